import AlertbridgeIngest
@testable import AlertbridgeServer
import AlertbridgeTestSupport
import NIOCore
import NIOSSL
import Prometheus
import Testing

@Suite("Syslog listener: TLS")
struct SyslogListenerTLSTests {
    /// A client that trusts the test CA, with an optional client certificate.
    static func client(certificate: String? = nil, key: String? = nil, maximumVersion: TLSVersion? = nil) throws
        -> TLSConfiguration
    {
        var tls = TLSConfiguration.makeClientConfiguration()
        tls.trustRoots = .certificates(try NIOSSLCertificate.fromPEMFile(TLSFixture.caCertificate))
        if let certificate, let key {
            tls.certificateChain = try NIOSSLCertificate.fromPEMFile(certificate).map { .certificate($0) }
            tls.privateKey = .privateKey(try NIOSSLPrivateKey(file: key, format: .pem))
        }
        if let maximumVersion {
            tls.minimumTLSVersion = .tlsv1
            tls.maximumTLSVersion = maximumVersion
        }
        return tls
    }

    @Test("octet-counted frames over TLS arrive")
    func framesArrive() async throws {
        let sink = RecordingSink()
        try await withListeners(testConfiguration(tls: true), sink: sink) { running in
            let channel = try await connect(to: try running.address(.tls), tls: try Self.client())
            let messages = (1...20).map { rfc5424($0) }
            for message in messages { try await channel.send(octetCounted(message)) }
            try await channel.send(String(octetCounted("<13>1 the last one").dropLast(4)))
            try await channel.close()

            try await eventually("21 frames arrived") { sink.frameCount == 21 }
            #expect(sink.frames.map(\.text) == messages + ["<13>1 the last"])
            #expect(sink.frames.last?.isIncomplete == true)
            #expect(sink.calls.allSatisfy { $0.peer == SyslogPeer(address: "127.0.0.1", transport: .tls) })
            #expect(running.metric("alertbridge_syslog_messages_total", ["transport": "tls"]) == 21)
        }
    }

    enum ClientIdentity: String, CaseIterable, CustomTestStringConvertible {
        case none, otherCA, trustedCA
        var testDescription: String { rawValue }
    }

    @Test("with a client CA, only clients with a certificate from it are served", arguments: ClientIdentity.allCases)
    func clientCertificates(_ identity: ClientIdentity) async throws {
        let sink = RecordingSink()
        let configuration = testConfiguration(tls: true) { $0.tlsClientCA = TLSFixture.caCertificate }
        try await withListeners(configuration, sink: sink) { running in
            let tls =
                switch identity {
                case .none: try Self.client()
                case .otherCA: try Self.client(certificate: TLSFixture.otherClientCertificate, key: TLSFixture.otherClientKey)
                case .trustedCA: try Self.client(certificate: TLSFixture.clientCertificate, key: TLSFixture.clientKey)
                }
            let events = ClientEvents()
            let channel = try await connect(to: try running.address(.tls), tls: tls, events: events)
            // TLS 1.3 lets the client finish its handshake before the server has
            // checked its certificate, so the write may still succeed; what
            // matters is that the server closes and nothing reaches the sink.
            try? await channel.send(octetCounted("<13>1 hello"))
            if identity == .trustedCA {
                try await eventually("the frame arrived") { sink.frameCount == 1 }
                #expect(channel.isActive)
                try await channel.close()
            } else {
                try await eventually("the server closed the connection") { !channel.isActive }
                #expect(!events.errors.isEmpty, "the client saw no TLS alert")
                #expect(sink.frameCount == 0)
            }
        }
    }

    @Test("TLS 1.1 is refused")
    func tls11Refused() async throws {
        let sink = RecordingSink()
        try await withListeners(testConfiguration(tls: true), sink: sink) { running in
            let events = ClientEvents()
            let channel = try await connect(to: try running.address(.tls), tls: try Self.client(maximumVersion: .tlsv11), events: events)
            try? await channel.send(octetCounted("<13>1 hello"))
            try await eventually("the connection closed") { !channel.isActive }
            #expect(events.errors.contains { $0.contains("UNSUPPORTED_PROTOCOL") || $0.contains("PROTOCOL_VERSION") || $0.contains("handshake") })
            #expect(sink.frameCount == 0)
        }
    }

    struct FileCase: Sendable, CustomTestStringConvertible {
        var name: String
        var certificate: String
        var key: String
        var clientCA: String?
        var expected: String
        var testDescription: String { name }
    }

    static let fileCases: [FileCase] = [
        .init(
            name: "certificate missing", certificate: "/nonexistent/server.pem", key: TLSFixture.serverKey,
            expected: "syslog.tls_cert (--tls-cert) /nonexistent/server.pem: no such file"),
        .init(
            name: "certificate file holds a key", certificate: TLSFixture.serverKey, key: TLSFixture.serverKey,
            expected: "syslog.tls_cert (--tls-cert) \(TLSFixture.serverKey): "),
        .init(
            name: "key file holds a certificate", certificate: TLSFixture.serverCertificate, key: TLSFixture.serverCertificate,
            expected: "syslog.tls_key (--tls-key) \(TLSFixture.serverCertificate): not a PEM private key"),
        .init(
            name: "key of another certificate", certificate: TLSFixture.serverCertificate, key: TLSFixture.unrelatedKey,
            expected: "syslog.tls_key (--tls-key) \(TLSFixture.unrelatedKey): cannot be used with the certificate"),
        .init(
            name: "client CA missing", certificate: TLSFixture.serverCertificate, key: TLSFixture.serverKey,
            clientCA: "/nonexistent/ca.pem", expected: "syslog.tls_client_ca (--tls-client-ca) /nonexistent/ca.pem: no such file"),
    ]

    @Test("unreadable or invalid PEM files fail bind with the file named", arguments: fileCases)
    func invalidFiles(_ file: FileCase) async throws {
        let configuration = testConfiguration(tcp: true, tls: true) {
            $0.tlsCertificate = file.certificate
            $0.tlsKey = file.key
            $0.tlsClientCA = file.clientCA
        }
        let error = await #expect(throws: SyslogListenerError.self) {
            _ = try await SyslogListeners.bind(
                configuration: configuration, sink: RecordingSink(), registry: PrometheusCollectorRegistry(), logger: quietLogger)
        }
        #expect(error?.description.hasPrefix(file.expected) == true, "\(error?.description ?? "")")
    }
}

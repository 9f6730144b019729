import AlertbridgeTestSupport
import Foundation
import NIOCore
import NIOSSL
import Testing

/// The real server on port 0, fed syslog over UDP, TCP and TLS the way
/// rsyslog, syslog-ng, network gear and util-linux `logger` send it.
@Suite(.serialized) struct SyslogEndToEndTests {
    static let linkRule = """
        syslog:
          - name: link-down
            message: 'Interface (?P<interface>[^,]+), changed state to down'
            alert: {alertname: LinkDown, severity: major, summary: 'Interface ${interface} on ${host} is down'}
            resolve: {message: 'Interface (?P<interface>[^,]+), changed state to up'}
        """

    static func startWithRules(_ rules: String, arguments: [String] = []) async throws -> ServerProcess {
        let directory = TemporaryDirectory("alertbridge-syslog")
        let path = directory.path("rules")
        try FileManager.default.createDirectory(atPath: path, withIntermediateDirectories: true)
        try rules.write(toFile: path + "/05-syslog.yaml", atomically: true, encoding: .utf8)
        return try await ServerProcess(directory: directory, arguments: ["--rules", path] + arguments)
    }

    static func address(_ server: ServerProcess, _ transport: String) throws -> SocketAddress {
        let text = try #require(server.syslogAddresses[transport], "no syslog.\(transport)= in the listening line")
        let parts = text.split(separator: ":")
        return try SocketAddress(ipAddress: String(parts[0]), port: Int(parts[1])!)
    }

    static func sources(_ answer: [String: Any]) -> [[String: Any]] {
        answer["sources"] as? [[String: Any]] ?? []
    }

    @Test("a link down over UDP opens an incident; the link up over TCP resolves it; every line is counted")
    func udpThenTCP() async throws {
        let server = try await Self.startWithRules(Self.linkRule)
        defer { Task { await server.stop() } }
        #expect(server.syslogAddresses.keys.sorted() == ["tcp", "udp"])

        let udp = try await datagramClient()
        defer { udp.close(promise: nil) }
        let down = "<187>Nov 23 10:00:00 core-sw1 %LINK-3-UPDOWN: Interface GigabitEthernet0/1, changed state to down"
        try await udp.sendDatagram(Array(down.utf8), to: try Self.address(server, "udp"))

        let opened = try await server.eventually("/api/v1/incidents?status=open") { ($0["incidents"] as? [Any])?.count == 1 }
        let incident = try #require((opened["incidents"] as? [[String: Any]])?.first)
        #expect(incident["title"] as? String == "Interface GigabitEthernet0/1 on core-sw1 is down")
        let alerts = try await server.get("/api/v1/alerts").json["alerts"] as? [[String: Any]] ?? []
        let labels = try #require(alerts.first?["labels"] as? [String: String])
        #expect(labels["alertname"] == "LinkDown" && labels["host"] == "core-sw1" && labels["interface"] == "GigabitEthernet0/1")
        #expect(alerts.first?["source"] as? String == "syslog")

        // The same switch over TCP, octet-counted then LF-terminated, split
        // across writes; one line that is no syslog at all.
        let tcp = try await connect(to: try Self.address(server, "tcp"))
        let up = "<189>Nov 23 10:02:00 core-sw1 %LINK-3-UPDOWN: Interface GigabitEthernet0/1, changed state to up"
        let chatter = "<190>Nov 23 10:02:01 core-sw1 %SYS-6-LOGGINGHOST_STARTSTOP: Logging to host 10.0.0.9 started"
        let stream = Array((octetCounted(up) + chatter + "\n" + "\u{1}\u{2} not syslog at all\n").utf8)
        try await tcp.send(stream[..<10])
        try await tcp.send(stream[10...])

        _ = try await server.eventually("/api/v1/incidents?status=resolved") { ($0["incidents"] as? [Any])?.count == 1 }
        let counts = try await server.eventually("/api/v1/syslog/counts") { answer in
            Self.sources(answer).reduce(0) { $0 + ($1["messages"] as? Int ?? 0) } == 4
        }
        let switchCounts = try #require(Self.sources(counts).first { $0["host"] as? String == "core-sw1" })
        #expect(switchCounts["messages"] as? Int == 3)
        #expect(switchCounts["errors"] as? Int == 1)  // <187>: local7.err
        #expect(switchCounts["worstSeverity"] as? String == "err")
        // The garbage line is kept, counted as unparsed under its peer's address.
        let garbage = try #require(Self.sources(counts).first { $0["host"] as? String == "127.0.0.1" })
        #expect(garbage["unparsed"] as? Int == 1)
        let stats = try await server.settled()
        #expect(stats["syslogMessages"] as? Int == 4)

        // GET /api/v1/sources lists each listener with what it took.
        let listeners = try await server.get("/api/v1/sources").json["syslog"] as? [[String: Any]] ?? []
        #expect(listeners.map { $0["transport"] as? String } == ["udp", "tcp"])
        let udpListener = try #require(listeners.first)
        let tcpListener = try #require(listeners.last)
        #expect(udpListener["address"] as? String == server.syslogAddresses["udp"])
        #expect(udpListener["messagesReceived"] as? Int == 1 && udpListener["dropped"] as? Int == 0)
        #expect(udpListener["connectionsOpen"] == nil && udpListener["lastSeen"] as? String != nil)
        #expect(tcpListener["messagesReceived"] as? Int == 3 && tcpListener["truncated"] as? Int == 0)
        #expect(tcpListener["connectionsOpen"] as? Int == 1 && tcpListener["connectionsRejected"] as? Int == 0)
        try await tcp.close()
    }

    @Test("util-linux logger over TCP with octet counting, as shipped on every Linux host", .enabled(if: loggerCommand != nil))
    func loggerOverTCP() async throws {
        let server = try await Self.startWithRules(Self.linkRule)
        defer { Task { await server.stop() } }
        let port = try #require(try Self.address(server, "tcp").port)
        let logger = Process()
        logger.executableURL = URL(fileURLWithPath: try #require(loggerCommand))
        logger.arguments = [
            "--rfc5424", "--octet-count", "-T", "-n", "127.0.0.1", "-P", "\(port)", "-t", "backup", "-p", "daemon.err",
            "--msgid", "BKP1", "backup of /srv/db failed: No space left on device",
        ]
        try logger.run()
        logger.waitUntilExit()
        #expect(logger.terminationStatus == 0)

        let templates = try await server.eventually("/api/v1/syslog/templates?app=backup") { ($0["templates"] as? [Any])?.count == 1 }
        let template = try #require((templates["templates"] as? [[String: Any]])?.first)
        #expect(template["text"] as? String == "backup of /srv/db failed: No space left on device")
        let counts = try await server.get("/api/v1/syslog/counts?app=backup").json
        let source = try #require(Self.sources(counts).first)
        #expect(source["errors"] as? Int == 1 && source["unparsed"] as? Int == 0)
        var name = [UInt8](repeating: 0, count: 256)
        gethostname(&name, name.count)
        let hostname = String(decoding: name.prefix { $0 != 0 }, as: UTF8.self)
        #expect(source["host"] as? String == hostname)
    }

    @Test("syslog over TLS: a client trusting our CA is served; the listening line names the port")
    func tls() async throws {
        let server = try await Self.startWithRules(
            Self.linkRule,
            arguments: [
                "--syslog-tls", "127.0.0.1:0", "--tls-cert", TLSFixture.serverCertificate, "--tls-key", TLSFixture.serverKey,
            ])
        defer { Task { await server.stop() } }
        var configuration = TLSConfiguration.makeClientConfiguration()
        configuration.trustRoots = .certificates(try NIOSSLCertificate.fromPEMFile(TLSFixture.caCertificate))
        let client = try await connect(to: try Self.address(server, "tls"), tls: configuration)
        let down = "<187>1 2026-11-23T10:00:00Z edge-rt2 ifmgr - - - Interface xe-0/0/0, changed state to down"
        try await client.send(octetCounted(down))
        let opened = try await server.eventually("/api/v1/incidents?status=open") { ($0["incidents"] as? [Any])?.count == 1 }
        let incident = try #require((opened["incidents"] as? [[String: Any]])?.first)
        #expect(incident["title"] as? String == "Interface xe-0/0/0 on edge-rt2 is down")
        try await client.close()
    }

    @Test("--syslog-tls without a certificate fails startup naming the flags")
    func tlsNeedsCertificate() async throws {
        let error = await #expect(throws: ProcessError.self) {
            _ = try await ServerProcess(arguments: ["--syslog-tls", "127.0.0.1:0"])
        }
        #expect(error?.description.contains("--tls-cert") == true)
    }

    /// The engine once reported only the syslog messages that became alerts
    /// as processed, so the inbox's backlog grew with every other one until
    /// intake refused all syslog for good (at 1,000,000 by default).
    @Test("syslog beyond max_backlog_alerts is taken once the engine catches up, not refused for good")
    func backlogIsReleased() async throws {
        let server = try await ServerProcess(
            config: "limits:\n  max_backlog_alerts: 100\n", directory: TemporaryDirectory("alertbridge-syslog"))
        defer { Task { await server.stop() } }
        let tcp = try await connect(to: try Self.address(server, "tcp"))
        let sent = 1000
        for sequence in 1...sent {
            try await tcp.send("<14>Nov 23 10:00:00 app-7 worker[42]: job \(sequence) done\n")
        }
        _ = try await server.eventually("/api/v1/stats") { $0["syslogMessages"] as? Int == sent }
        try await tcp.close()
    }

    @Test("graceful shutdown hands over what TCP peers sent: every message is counted after a restart")
    func shutdownKeepsWhatWasRead() async throws {
        let directory = TemporaryDirectory("alertbridge-syslog")
        let server = try await ServerProcess(directory: directory)
        let tcp = try await connect(to: try Self.address(server, "tcp"))
        let sent = 500
        for sequence in 1...sent {
            try await tcp.send("<14>Nov 23 10:00:00 app-7 worker[42]: job \(sequence) done\n")
        }
        // SIGTERM right after the last write: what the listener read must reach the inbox.
        try await Task.sleep(for: .milliseconds(200))
        server.signal(SIGTERM)
        #expect(try await server.waitForExit() == 0)
        try await eventually("the server closed the connection on shutdown") { !tcp.isActive }

        let restarted = try await ServerProcess(directory: directory)
        defer { Task { await restarted.stop() } }
        let stats = try await restarted.settled()
        #expect(stats["syslogMessages"] as? Int == sent)
    }
}

/// util-linux `logger`, when installed.
let loggerCommand: String? = ["/usr/bin/logger", "/bin/logger"].first { FileManager.default.isExecutableFile(atPath: $0) }

import AlertbridgeTestSupport
import Foundation
import Hummingbird
import Logging
import NIOCore
import NIOHTTP1
import Synchronization
import Testing

@testable import AlertbridgeServer

/// Amazon SNS signatures and subscription confirmations on the real server,
/// against a stand-in for SNS on loopback that serves the signing
/// certificate and records who visits it.
@Suite(.serialized) struct SNSEndToEndTests {
    /// Signed deliveries, a certificate at `/cert.pem`, a 404 at
    /// `/missing.pem`, and the confirmation endpoint at `/confirm`.
    final class FakeSNS: Sendable {
        /// The paths and queries asked for, in order.
        final class Visits: Sendable {
            let paths = Mutex<[String]>([])
            func append(_ path: String) { paths.withLock { $0.append(path) } }
        }

        let visits = Visits()
        let port: Int
        private let task: Task<Void, any Error>

        init() async throws {
            let certificate = try Fixture.data("sns/signing.pem")
            let visits = self.visits
            let router = Router()
            router.get("cert.pem") { request, _ in
                visits.append(request.uri.description)
                return Response(status: .ok, body: .init(byteBuffer: ByteBuffer(bytes: certificate)))
            }
            router.get("missing.pem") { request, _ in
                visits.append(request.uri.description)
                return Response(status: .notFound)
            }
            router.get("confirm") { request, _ in
                visits.append(request.uri.description)
                return "<ConfirmSubscriptionResponse/>"
            }
            let (ports, continuation) = AsyncStream.makeStream(of: Int.self)
            var quiet = Logger(label: "fake-sns")
            quiet.logLevel = .critical  // cancelling it at the end is not news
            let app = Application(
                router: router, configuration: .init(address: .hostname("127.0.0.1", port: 0)),
                onServerRunning: { channel in continuation.yield(channel.localAddress?.port ?? 0) }, logger: quiet)
            task = Task { try await app.runService(gracefulShutdownSignals: []) }
            var iterator = ports.makeAsyncIterator()
            port = await iterator.next() ?? 0
        }

        var base: String { "http://127.0.0.1:\(port)" }
        var visited: [String] { visits.paths.withLock { $0 } }
        func stop() { task.cancel() }
    }

    static func start(_ sns: FakeSNS) async throws -> ServerProcess {
        try await ServerProcess(
            config: """
                sources:
                  cloudwatch:
                    sns: {verify_signatures: true, confirm_subscriptions: true, trusted_urls: '^http://127\\.0\\.0\\.1:\(sns.port)/'}
                """,
            directory: TemporaryDirectory("alertbridge-sns-e2e"))
    }

    /// An SNS message as SNS would send it: `fields` plus a signature over
    /// the canonical text of `signed` (AWS's order), made with the
    /// fixture key, and `SigningCertURL`.
    static func signed(_ fields: [String: String], signing signed: [String], certificate: String, version: String = "1") throws -> String {
        let text = signed.compactMap { name in fields[name].map { "\(name)\n\($0)\n" } }.joined()
        let key = Array(try Fixture.data("sns/signing.key"))
        let signature = try #require(CertificateSignature.sign(Array(text.utf8), privateKeyPEM: key, digest: version == "1" ? .sha1 : .sha256))
        var envelope = fields
        envelope["SignatureVersion"] = version
        envelope["Signature"] = Data(signature).base64EncodedString()
        envelope["SigningCertURL"] = certificate
        return String(decoding: try JSONSerialization.data(withJSONObject: envelope, options: [.sortedKeys]), as: UTF8.self)
    }

    static func notification(_ message: String, certificate: String, version: String = "1") throws -> String {
        let corpus = try Fixture.corpusBodies("aws-cloudwatch-sns.json")[0].body
        let alarm = try #require(try JSONSerialization.jsonObject(with: Data(corpus)) as? [String: Any])
        return try signed(
            [
                "Type": "Notification", "MessageId": "9f1d-\(message.count)", "TopicArn": "arn:aws:sns:us-east-1:123456789012:alarms",
                "Subject": "ALARM: web-1-high-cpu", "Message": message.isEmpty ? alarm["Message"] as! String : message,
                "Timestamp": "2024-05-13T09:20:10.527Z",
            ], signing: ["Message", "MessageId", "Subject", "Timestamp", "TopicArn", "Type"], certificate: certificate, version: version)
    }

    static func post(_ server: ServerProcess, _ body: String) async throws -> ServerProcess.Reply {
        try await server.post("/ingest/cloudwatch", body, contentType: "text/plain; charset=UTF-8")
    }

    @Test("a signed notification is accepted (SHA1 and SHA256); altered, unsigned or from an untrusted URL, 401 and nothing kept")
    func signatures() async throws {
        let sns = try await FakeSNS()
        defer { sns.stop() }
        let server = try await Self.start(sns)
        defer { Task { await server.stop() } }
        let certificate = sns.base + "/cert.pem"

        for version in ["1", "2"] {
            let good = try await Self.post(server, try Self.notification("", certificate: certificate, version: version))
            #expect(good.status == 202 && good.json["accepted"] as? Int == 1, "\(good.body)\n\(server.logText)")
        }
        #expect(sns.visited == ["/cert.pem"], "the certificate is fetched once and kept")

        let good = try Self.notification("", certificate: certificate)
        let altered = good.replacingOccurrences(of: "web-1-high-cpu", with: "web-2-high-cpu")
        let unsigned = try Self.notification("", certificate: certificate).replacingOccurrences(
            of: #""Signature":"[^"]*","#, with: "", options: .regularExpression)
        let untrusted = try Self.notification("", certificate: "https://sns.example.org/cert.pem")
        let wrongKey = try Self.notification("", certificate: certificate).replacingOccurrences(
            of: #""Signature":"[^"]{8}"#, with: #""Signature":"AAAAAAAA"#, options: .regularExpression)
        for body in [altered, unsigned, untrusted, wrongKey] {
            let reply = try await Self.post(server, body)
            #expect(reply.status == 401 && reply.body == "{\"error\":\"authentication required\"}\n", "\(reply.body)")
        }
        #expect(sns.visited == ["/cert.pem"], "an untrusted URL is never fetched")
        let stats = try await server.settled()
        #expect(stats["alertsReceived"] as? Int == 2)
        let cloudwatch = try #require(try await SourceSecurityEndToEndTests.sources(server)["cloudwatch"])
        #expect((cloudwatch["rejected"] as? [String: Int])?["auth"] == 4)
        #expect((cloudwatch["sns"] as? [String: Any])?["verifySignatures"] as? Bool == true)
        let log = server.logText
        #expect(log.contains("sns signature rejected") && log.contains("does not verify") && log.contains("is not trusted"), "\(log)")
    }

    @Test("a signed subscription confirmation is visited and shown confirmed; a forged one is refused and never visited")
    func confirmation() async throws {
        let sns = try await FakeSNS()
        defer { sns.stop() }
        let server = try await Self.start(sns)
        defer { Task { await server.stop() } }
        let subscribe = sns.base + "/confirm?Action=ConfirmSubscription&Token=2336412f37"
        let fields = [
            "Type": "SubscriptionConfirmation", "MessageId": "165545c9", "Token": "2336412f37",
            "TopicArn": "arn:aws:sns:us-west-2:123456789012:MyTopic", "Message": "You have chosen to subscribe to the topic.",
            "SubscribeURL": subscribe, "Timestamp": "2024-05-13T09:00:00.000Z",
        ]
        let order = ["Message", "MessageId", "SubscribeURL", "Timestamp", "Token", "TopicArn", "Type"]

        // Signed for one URL, delivered with another: as if someone replayed
        // SNS's message to make the server visit a URL of their choosing.
        let signedForOther = try Self.signed(fields, signing: order, certificate: sns.base + "/cert.pem")
            .replacingOccurrences(of: "Token=2336412f37", with: "Token=someone-elses")
        let refused = try await Self.post(server, signedForOther)
        #expect(refused.status == 401)

        let reply = try await Self.post(server, try Self.signed(fields, signing: order, certificate: sns.base + "/cert.pem"))
        #expect(reply.status == 202 && reply.json["accepted"] as? Int == 0, "\(reply.body)")
        let sources = try await server.eventually("/api/v1/sources") { answer in
            let list = answer["sources"] as? [[String: Any]] ?? []
            let cloudwatch = list.first { $0["source"] as? String == "cloudwatch" }
            return (cloudwatch?["subscriptionConfirmation"] as? [String: Any])?["state"] as? String == "confirmed"
        }
        let cloudwatch = (sources["sources"] as? [[String: Any]])?.first { $0["source"] as? String == "cloudwatch" }
        let confirmation = try #require(cloudwatch?["subscriptionConfirmation"] as? [String: Any])
        #expect(confirmation["confirmedAt"] as? String != nil && confirmation["subscribeURL"] as? String == subscribe)
        #expect(sns.visited == ["/cert.pem", "/confirm?Action=ConfirmSubscription&Token=2336412f37"])
        #expect(server.logText.contains("sns subscription confirmed"))
    }

    @Test("a certificate that cannot be fetched gets 503 with Retry-After, so SNS retries; nothing is kept")
    func certificateUnavailable() async throws {
        let sns = try await FakeSNS()
        defer { sns.stop() }
        let server = try await Self.start(sns)
        defer { Task { await server.stop() } }
        let reply = try await Self.post(server, try Self.notification("", certificate: sns.base + "/missing.pem"))
        #expect(reply.status == 503 && reply.headers.first(name: "Retry-After") == "5", "\(reply.body)")
        #expect(reply.body.contains("SNS signing certificate could not be fetched"))
        let stats = try await server.settled()
        #expect(stats["alertsReceived"] as? Int == 0)
        let cloudwatch = try #require(try await SourceSecurityEndToEndTests.sources(server)["cloudwatch"])
        #expect((cloudwatch["rejected"] as? [String: Int])?["unverifiable"] == 1)
        #expect(server.logText.contains("answered 404"))
    }
}

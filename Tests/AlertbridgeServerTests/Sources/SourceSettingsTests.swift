import AlertbridgeCore
import AlertbridgeTestSupport
import Foundation
import Testing

@testable import AlertbridgeServer

/// `sources:` in the configuration file: the shapes it takes, and errors
/// that name file, line and key, and never a secret.
@Suite struct SourceSettingsTests {
    static func apply(_ yaml: String, environment: [String: String] = [:]) throws(YAMLError) -> ServerConfiguration {
        var configuration = ServerConfiguration()
        try configuration.apply(yaml: yaml, file: "config.yaml", environment: environment)
        return configuration
    }

    static func error(_ yaml: String, environment: [String: String] = [:]) -> String? {
        do {
            _ = try apply(yaml, environment: environment)
            return nil
        } catch {
            return error.description
        }
    }

    @Test("bearer token from the environment, HMAC from a file, limits")
    func parses() throws {
        let directory = TemporaryDirectory("alertbridge-sources")
        try "dd-secret\n".write(toFile: directory.path("dd.key"), atomically: true, encoding: .utf8)
        let configuration = try Self.apply(
            """
            sources:
              grafana:
                auth: {bearer_token: {env: GRAFANA_TOKEN}}
                rate: {per_second: 0.5, burst: 3}
              datadog:
                auth: {hmac_sha256: {secret: {file: \(directory.path("dd.key"))}, header: X-Signature, prefix: "sha256="}}
                max_body_bytes: 4096
              generic:
                auth: {bearer_token: {value: literal-token}}
              cloudwatch:
                auth: {basic: {username: sns, password: {env: SNS_PASSWORD}}}
            """, environment: ["GRAFANA_TOKEN": "gr-token", "SNS_PASSWORD": "pw"])
        #expect(configuration.sources["grafana"] == SourceSettings(
            auth: .bearerToken(Secret(bytes: Array("gr-token".utf8), origin: "env GRAFANA_TOKEN")), rate: RateLimit(perSecond: 0.5, burst: 3)))
        // The file's trailing newline is not part of the secret.
        #expect(configuration.sources["datadog"] == SourceSettings(
            auth: .hmacSHA256(secret: Secret(bytes: Array("dd-secret".utf8), origin: "file \(directory.path("dd.key"))"), header: "X-Signature", prefix: "sha256="),
            maxBodyBytes: 4096))
        #expect(configuration.sources["generic"]?.auth == .bearerToken(Secret(bytes: Array("literal-token".utf8), origin: "literal")))
        #expect(
            configuration.sources["cloudwatch"]?.auth == .basic(username: "sns", password: Secret(bytes: Array("pw".utf8), origin: "env SNS_PASSWORD")))
        #expect("\(configuration.sources["cloudwatch"]!.auth!)" == "basic(username: sns, password: secret from env SNS_PASSWORD)")
    }

    @Test("sns: off unless asked; on, with AWS's URLs trusted unless told otherwise")
    func sns() throws {
        #expect(try Self.apply("sources: {cloudwatch: {}}").sources["cloudwatch"]?.sns == SNSSettings())
        #expect(SNSSettings().verifySignatures == false && SNSSettings().confirmSubscriptions == false)
        let on = try Self.apply("sources: {cloudwatch: {sns: {verify_signatures: true, confirm_subscriptions: true}}}")
        #expect(on.sources["cloudwatch"]?.sns == SNSSettings(verifySignatures: true, confirmSubscriptions: true))
        let trusted = try RE2Pattern(SNSSettings.defaultTrustedURLs, anchoring: .partial)
        for url in [
            "https://sns.us-east-1.amazonaws.com/SimpleNotificationService-01d088a6f77103d0fe307c0069e40ed6.pem",
            "https://sns.cn-north-1.amazonaws.com.cn/SimpleNotificationService-3250158c6da20bd7ed7d8ea5a5c8deda.pem",
            "https://sns.us-west-2.amazonaws.com/?Action=ConfirmSubscription&TopicArn=arn:aws:sns:us-west-2:1:t&Token=2336",
        ] {
            #expect(trusted.matches(url), "\(url)")
        }
        for url in [
            "http://sns.us-east-1.amazonaws.com/cert.pem", "https://sns.us-east-1.amazonaws.com.evil.example/cert.pem",
            "https://evil.example/?https://sns.us-east-1.amazonaws.com/", "https://sns.us-east-1.amazonaws.com@evil.example/",
            "https://s3.amazonaws.com/sns/cert.pem",
        ] {
            #expect(!trusted.matches(url), "\(url)")
        }
    }

    @Test("a secret prints only where it came from")
    func secretsDoNotPrint() throws {
        let configuration = try Self.apply(
            "sources: {grafana: {auth: {bearer_token: {env: GRAFANA_TOKEN}}}}", environment: ["GRAFANA_TOKEN": "gr-token-xyz"])
        let settings = try #require(configuration.sources["grafana"])
        var dumped = ""
        dump(settings, to: &dumped)
        for text in ["\(settings)", String(describing: settings), String(reflecting: settings), dumped, "\(settings.auth!)"] {
            #expect(!text.contains("gr-token-xyz"), "\(text)")
        }
        #expect("\(settings.auth!)" == "bearer_token(secret from env GRAFANA_TOKEN)")
    }

    @Test(
        "errors name file, line and key",
        arguments: [
            ("sources: {grafana: {auth: {bearer_token: {env: GRAFANA_TOKEN}}}}",
             "config.yaml:1: sources.grafana.auth.bearer_token.env: environment variable GRAFANA_TOKEN is not set"),
            ("sources:\n  grafana:\n    authentication: {}",
             "config.yaml:3: sources.grafana.authentication: unknown key (allowed here: auth, max_body_bytes, rate, sns)"),
            ("sources: {gcp: {auth: {basic: {username: a}}}}",
             "config.yaml:1: sources.gcp.auth.basic: needs username and password: {value: …}, {env: NAME} or {file: PATH}"),
            ("sources: {gcp: {auth: {basic: {username: 'a:b', password: {value: c}}}}}",
             "config.yaml:1: sources.gcp.auth.basic.username: expected a username without ':'"),
            ("sources: {gcp: {auth: {basic: {username: a, password: {value: c}}, bearer_token: {value: d}}}}",
             "config.yaml:1: sources.gcp.auth: expected one of bearer_token, basic or hmac_sha256, not several"),
            ("sources: {grafana: {sns: {verify_signatures: true}}}",
             "config.yaml:1: sources.grafana.sns: sns applies only to the cloudwatch source, not grafana"),
            ("sources: {cloudwatch: {sns: {verify_signatures: yes please}}}",
             "config.yaml:1: sources.cloudwatch.sns.verify_signatures: expected true or false, got \"yes please\""),
            ("sources: {cloudwatch: {sns: {trusted_urls: '^https://(sns'}}}",
             "config.yaml:1: sources.cloudwatch.sns.trusted_urls: invalid regular expression: missing ): ^https://(sns"),
            ("sources:\n  graphana: {}", "config.yaml:2: sources.graphana: unknown key (allowed here: \(SourceSettings.knownSources.joined(separator: ", ")))"),
            ("sources: {datadog: {auth: {hmac_sha256: {header: X-Sig}}}}",
             "config.yaml:1: sources.datadog.auth.hmac_sha256: needs secret: {value: …}, {env: NAME} or {file: PATH}"),
            ("sources: {generic: {auth: {bearer_token: {value: a, env: B}}}}",
             "config.yaml:1: sources.generic.auth.bearer_token: expected exactly one of value, env or file"),
            ("sources: {generic: {auth: {bearer_token: {file: /nonexistent/ab.key}}}}",
             "config.yaml:1: sources.generic.auth.bearer_token.file: cannot read secret file /nonexistent/ab.key"),
            ("sources: {generic: {rate: {per_second: 0}}}", "config.yaml:1: sources.generic.rate.per_second: expected a positive number, got \"0\""),
            ("sources: {generic: {rate: {burst: 3}}}", "config.yaml:1: sources.generic.rate: needs per_second"),
            ("sources: {generic: {max_body_bytes: -1}}", "config.yaml:1: sources.generic.max_body_bytes: expected a positive integer, got -1"),
        ])
    func errors(_ yaml: String, _ expected: String) {
        #expect(Self.error(yaml) == expected)
    }

    @Test("an empty variable is an error that names it and shows no value")
    func emptySecret() {
        let message = Self.error("sources: {generic: {auth: {bearer_token: {env: TOKEN}}}}", environment: ["TOKEN": "\n"])
        #expect(message == "config.yaml:1: sources.generic.auth.bearer_token.env: the secret from env TOKEN is empty")
    }
}

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
            """, environment: ["GRAFANA_TOKEN": "gr-token"])
        #expect(configuration.sources["grafana"] == SourceSettings(
            auth: .bearerToken(Secret(bytes: Array("gr-token".utf8), origin: "env GRAFANA_TOKEN")), rate: RateLimit(perSecond: 0.5, burst: 3)))
        // The file's trailing newline is not part of the secret.
        #expect(configuration.sources["datadog"] == SourceSettings(
            auth: .hmacSHA256(secret: Secret(bytes: Array("dd-secret".utf8), origin: "file \(directory.path("dd.key"))"), header: "X-Signature", prefix: "sha256="),
            maxBodyBytes: 4096))
        #expect(configuration.sources["generic"]?.auth == .bearerToken(Secret(bytes: Array("literal-token".utf8), origin: "literal")))
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
             "config.yaml:3: sources.grafana.authentication: unknown key (allowed here: auth, max_body_bytes, rate)"),
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

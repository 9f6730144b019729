import AlertbridgeCore
import Foundation

/// Per-source security and limits, keyed by the adapter's `source` name
/// under `sources:` in the configuration file.
///
/// ```yaml
/// sources:
///   grafana:
///     auth: {bearer_token: {env: GRAFANA_TOKEN}}
///     rate: {per_second: 5, burst: 20}
///   datadog:
///     auth: {hmac_sha256: {secret: {file: /etc/ab/dd.key}, header: X-Signature, prefix: "sha256="}}
///     max_body_bytes: 262144
/// ```
public struct SourceSettings: Sendable, Equatable {
    /// What a request must carry; `nil` accepts anyone who can reach the port.
    public var auth: SourceAuth?
    /// The body limit for this source; `nil` uses `limits.max_body_bytes`.
    public var maxBodyBytes: Int?
    /// Requests per second, as a token bucket; `nil` is unlimited.
    public var rate: RateLimit?
    /// Amazon SNS signatures and subscriptions (the `cloudwatch` source only).
    public var sns: SNSSettings

    public init(auth: SourceAuth? = nil, maxBodyBytes: Int? = nil, rate: RateLimit? = nil, sns: SNSSettings = SNSSettings()) {
        self.auth = auth
        self.maxBodyBytes = maxBodyBytes
        self.rate = rate
        self.sns = sns
    }

    /// The `source` names of the webhook adapters, which are the keys `sources:` takes.
    public static let knownSources = [
        "prometheus", "alertmanager", "generic", "grafana", "pagerduty", "zabbix", "datadog", "cloudwatch", "azure", "gcp",
    ]
}

/// What alertbridge does with Amazon SNS's signatures and subscription
/// confirmations on the `cloudwatch` source. Both are off by default: each
/// makes the server fetch URLs that arrive in requests, which an operator
/// should choose, and can limit with `trustedURLs`.
///
/// ```yaml
/// sources:
///   cloudwatch:
///     sns: {verify_signatures: true, confirm_subscriptions: true}
/// ```
///
/// Encodable as `GET /api/v1/sources` shows it (no secrets in it).
public struct SNSSettings: Sendable, Equatable, Encodable {
    /// AWS's own: HTTPS to `sns.<region>.amazonaws.com` (or `.com.cn`).
    public static let defaultTrustedURLs = #"^https://sns\.[a-z0-9-]+\.amazonaws\.com(\.cn)?/"#

    /// Refuse (401) any SNS message whose signature does not verify against
    /// the certificate at its `SigningCertURL`.
    public var verifySignatures: Bool
    /// Visit a `SubscriptionConfirmation`'s `SubscribeURL` (after its
    /// signature verifies, when that is on) instead of only logging it.
    public var confirmSubscriptions: Bool
    /// An RE2 pattern the whole `SigningCertURL` and `SubscribeURL` must
    /// match before they are fetched; anything else is refused unfetched.
    public var trustedURLs: String

    public init(verifySignatures: Bool = false, confirmSubscriptions: Bool = false, trustedURLs: String = Self.defaultTrustedURLs) {
        self.verifySignatures = verifySignatures
        self.confirmSubscriptions = confirmSubscriptions
        self.trustedURLs = trustedURLs
    }
}

/// How a source proves a request is its own.
public enum SourceAuth: Sendable, Equatable, CustomStringConvertible {
    /// `Authorization: Bearer <token>`.
    case bearerToken(Secret)
    /// `Authorization: Basic <base64 of username:password>` (RFC 7617): what
    /// Amazon SNS sends when the subscription URL carries credentials.
    case basic(username: String, password: Secret)
    /// `<header>: <prefix><hex HMAC-SHA256 of the raw body, keyed with the secret>`.
    case hmacSHA256(secret: Secret, header: String, prefix: String)

    /// The kind, for logs and the API: never the secret.
    public var kind: String {
        switch self {
        case .bearerToken: "bearer_token"
        case .basic: "basic"
        case .hmacSHA256: "hmac_sha256"
        }
    }

    public var description: String {
        switch self {
        case .bearerToken(let secret): "bearer_token(\(secret))"
        case .basic(let username, let password): "basic(username: \(username), password: \(password))"
        case .hmacSHA256(let secret, let header, let prefix): "hmac_sha256(\(secret), header: \(header), prefix: \"\(prefix)\")"
        }
    }
}

/// A credential read from the configuration: its bytes, and where they came
/// from. Printing it (`description`, `dump`, string interpolation) shows
/// only the origin, so a secret cannot reach a log line or an error by accident.
public struct Secret: Sendable, Equatable, CustomStringConvertible, CustomDebugStringConvertible, CustomReflectable {
    let bytes: [UInt8]
    /// `literal`, `env GRAFANA_TOKEN` or `file /etc/ab/dd.key`.
    public let origin: String

    public init(bytes: [UInt8], origin: String) {
        self.bytes = bytes
        self.origin = origin
    }

    public var description: String { "secret from \(origin)" }
    public var debugDescription: String { description }
    public var customMirror: Mirror { Mirror(self, children: ["origin": origin]) }
}

/// A token bucket: `perSecond` requests on average, up to `burst` at once.
public struct RateLimit: Sendable, Equatable {
    public var perSecond: Double
    public var burst: Int

    public init(perSecond: Double, burst: Int) {
        self.perSecond = perSecond
        self.burst = burst
    }
}

// MARK: - Reading the configuration file

extension SourceSettings {
    /// Reads `sources:`. Secrets are resolved here, so a missing variable or
    /// file fails startup with its name (and never its content).
    static func parse(_ value: YAMLValue, environment: [String: String]) throws(YAMLError) -> [String: SourceSettings] {
        var sources: [String: SourceSettings] = [:]
        for (name, entry) in try value.mapping(allowedKeys: knownSources) {
            var settings = SourceSettings()
            for (key, value) in try entry.mapping(allowedKeys: ["auth", "max_body_bytes", "rate", "sns"]) {
                switch key {
                case "auth": settings.auth = try SourceAuth.parse(value, environment: environment)
                case "sns":
                    guard name == "cloudwatch" else { throw value.error("sns applies only to the cloudwatch source, not \(name)") }
                    settings.sns = try SNSSettings.parse(value)
                case "max_body_bytes":
                    let number = try value.int()
                    guard number > 0 else { throw value.error("expected a positive integer, got \(number)") }
                    settings.maxBodyBytes = number
                default: settings.rate = try RateLimit.parse(value)
                }
            }
            sources[name] = settings
        }
        return sources
    }
}

extension SNSSettings {
    /// `{verify_signatures: true, confirm_subscriptions: true, trusted_urls: '^https://…'}`.
    static func parse(_ value: YAMLValue) throws(YAMLError) -> SNSSettings {
        var settings = SNSSettings()
        for (key, value) in try value.mapping(allowedKeys: ["verify_signatures", "confirm_subscriptions", "trusted_urls"]) {
            switch key {
            case "verify_signatures": settings.verifySignatures = try value.bool()
            case "confirm_subscriptions": settings.confirmSubscriptions = try value.bool()
            default:
                let pattern = try value.string()
                do {
                    _ = try RE2Pattern(pattern, anchoring: .partial)
                } catch {
                    throw value.error("\(error)")
                }
                settings.trustedURLs = pattern
            }
        }
        return settings
    }
}

extension SourceAuth {
    static func parse(_ value: YAMLValue, environment: [String: String]) throws(YAMLError) -> SourceAuth? {
        let entries = try value.mapping(allowedKeys: ["bearer_token", "basic", "hmac_sha256"])
        guard entries.count <= 1 else { throw value.error("expected one of bearer_token, basic or hmac_sha256, not several") }
        guard let (kind, body) = entries.first else { return nil }
        if kind == "bearer_token" { return .bearerToken(try Secret.parse(body, environment: environment)) }
        if kind == "basic" { return try parseBasic(body, environment: environment) }
        var secret: Secret?
        var header = "X-Signature"
        var prefix = ""
        for (key, value) in try body.mapping(allowedKeys: ["secret", "header", "prefix"]) {
            switch key {
            case "secret": secret = try Secret.parse(value, environment: environment)
            case "header":
                header = try value.string()
                let token = header.utf8.allSatisfy { $0 > 0x20 && $0 < 0x7F && $0 != UInt8(ascii: ":") }
                guard !header.isEmpty, token else { throw value.error("expected an HTTP header name, got \"\(header)\"") }
            default: prefix = try value.string()
            }
        }
        guard let secret else { throw body.error("needs secret: {value: …}, {env: NAME} or {file: PATH}") }
        return .hmacSHA256(secret: secret, header: header, prefix: prefix)
    }
}

extension SourceAuth {
    /// `{username: sns, password: {env: SNS_PASSWORD}}`.
    private static func parseBasic(_ body: YAMLValue, environment: [String: String]) throws(YAMLError) -> SourceAuth {
        var username: String?
        var password: Secret?
        for (key, value) in try body.mapping(allowedKeys: ["username", "password"]) {
            if key == "username" {
                let name = try value.string()
                guard !name.isEmpty, !name.contains(":") else { throw value.error("expected a username without ':'") }
                username = name
            } else {
                password = try Secret.parse(value, environment: environment)
            }
        }
        guard let username, let password else { throw body.error("needs username and password: {value: …}, {env: NAME} or {file: PATH}") }
        return .basic(username: username, password: password)
    }
}

extension Secret {
    /// `{value: s3cret}`, `{env: NAME}` or `{file: PATH}` (one trailing newline trimmed).
    static func parse(_ value: YAMLValue, environment: [String: String]) throws(YAMLError) -> Secret {
        let entries = try value.mapping(allowedKeys: ["value", "env", "file"])
        guard entries.count == 1, let (kind, node) = entries.first else {
            throw value.error("expected exactly one of value, env or file")
        }
        let text: String
        let origin: String
        switch kind {
        case "value":
            text = try node.string()
            origin = "literal"
        case "env":
            let name = try node.string()
            guard let found = environment[name] else { throw node.error("environment variable \(name) is not set") }
            text = found
            origin = "env \(name)"
        default:
            let path = try node.string()
            guard let data = FileManager.default.contents(atPath: path) else { throw node.error("cannot read secret file \(path)") }
            text = String(decoding: data, as: UTF8.self)
            origin = "file \(path)"
        }
        var bytes = Array(text.utf8)
        if bytes.last == UInt8(ascii: "\n") { bytes.removeLast() }
        if bytes.last == UInt8(ascii: "\r") { bytes.removeLast() }
        guard !bytes.isEmpty else { throw node.error("the secret from \(origin) is empty") }
        return Secret(bytes: bytes, origin: origin)
    }
}

extension RateLimit {
    /// `{per_second: 10, burst: 50}`; burst defaults to one second's worth (at least 1).
    static func parse(_ value: YAMLValue) throws(YAMLError) -> RateLimit {
        var perSecond: Double?
        var burst: Int?
        for (key, value) in try value.mapping(allowedKeys: ["per_second", "burst"]) {
            if key == "per_second" {
                let text = try value.string()
                guard let number = Double(text), number.isFinite, number > 0 else {
                    throw value.error("expected a positive number, got \"\(text)\"")
                }
                perSecond = number
            } else {
                let number = try value.int()
                guard number > 0 else { throw value.error("expected a positive integer, got \(number)") }
                burst = number
            }
        }
        guard let perSecond else { throw value.error("needs per_second") }
        return RateLimit(perSecond: perSecond, burst: burst ?? max(1, Int(perSecond.rounded(.up))))
    }
}

import Foundation
public import NIOCore

/// The signature on one Amazon SNS message, and the exact text it signs.
///
/// SNS signs a canonical text built from some of the message's fields
/// (`Key\nValue\n` for each, in a fixed order that depends on the `Type`)
/// with the private key of the certificate at `SigningCertURL`:
/// RSA with SHA1 for `SignatureVersion` 1, SHA256 for 2. This type only
/// gathers them (an adapter does no I/O); the server fetches the
/// certificate and checks the signature.
///
/// See https://docs.aws.amazon.com/sns/latest/dg/sns-verify-signature-of-message.html
public struct SNSSignature: Equatable, Sendable {
    public enum Version: String, Sendable {
        /// RSA over a SHA1 digest (the default of every topic).
        case sha1WithRSA = "1"
        /// RSA over a SHA256 digest (a topic's `SignatureVersion` set to 2).
        case sha256WithRSA = "2"
    }

    public var version: Version
    /// The decoded `Signature` (base64 in the message).
    public var signature: [UInt8]
    /// Where SNS serves the certificate whose key made the signature.
    public var signingCertURL: String
    /// The canonical text the signature is over.
    public var signedText: String
    /// The message's JSON path, for errors (`""`, or `Records[2].Sns`).
    public var path: String

    public init(version: Version, signature: [UInt8], signingCertURL: String, signedText: String, path: String) {
        self.version = version
        self.signature = signature
        self.signingCertURL = signingCertURL
        self.signedText = signedText
        self.path = path
    }
}

extension CloudWatchAdapter {
    /// The signature of each SNS message in `body` (one, or one per Lambda
    /// record), or an error naming the field that is missing or malformed.
    public func signatures(_ body: ByteBuffer) throws(IngestError) -> [SNSSignature] {
        let root = try parseJSON(body, limits: limits)
        _ = try PayloadFields.object(root, "body", what: "a JSON object (an Amazon SNS message)")
        guard root["Records"] != nil, root["Type"] == nil else { return [try signature(root, path: "")] }
        let records = try PayloadFields.array(root["Records"], "Records", what: "an array of SNS records")
        try PayloadFields.checkCount(records.count, "Records", limits: limits)
        var signatures: [SNSSignature] = []
        for (index, record) in records.enumerated() {
            _ = try PayloadFields.object(record["Sns"], "Records[\(index)].Sns", what: "an SNS message object")
            signatures.append(try signature(record["Sns"]!, path: "Records[\(index)].Sns"))
        }
        return signatures
    }

    /// The fields each message type signs, in the order SNS signs them.
    /// Optional ones (only `Subject`) are left out when absent.
    private static let signedFields: [String: [(name: String, optional: Bool)]] = [
        "Notification": [
            ("Message", false), ("MessageId", false), ("Subject", true), ("Timestamp", false), ("TopicArn", false), ("Type", false),
        ],
        "SubscriptionConfirmation": [
            ("Message", false), ("MessageId", false), ("SubscribeURL", false), ("Timestamp", false), ("Token", false),
            ("TopicArn", false), ("Type", false),
        ],
    ]

    private func signature(_ message: JSONValue, path: String) throws(IngestError) -> SNSSignature {
        let prefix = path.isEmpty ? "" : path + "."
        let type = try PayloadFields.requiredString(message["Type"], "\(prefix)Type")
        let fields = Self.signedFields[type == "UnsubscribeConfirmation" ? "SubscriptionConfirmation" : type]
        guard let fields else {
            throw IngestError(
                path: "\(prefix)Type", "expected \"Notification\", \"SubscriptionConfirmation\" or \"UnsubscribeConfirmation\", got \"\(type.prefix(64))\"")
        }
        var signedText = ""
        for field in fields {
            let value = try PayloadFields.optionalString(message[field.name], "\(prefix)\(field.name)")
            guard let value else {
                if field.optional { continue }
                throw IngestError(path: "\(prefix)\(field.name)", "missing; SNS signs it, so the signature cannot be checked without it")
            }
            signedText += field.name + "\n" + value + "\n"
        }
        let versionText = try PayloadFields.requiredString(message["SignatureVersion"], "\(prefix)SignatureVersion")
        guard let version = SNSSignature.Version(rawValue: versionText) else {
            throw IngestError(path: "\(prefix)SignatureVersion", "expected \"1\" or \"2\", got \"\(versionText.prefix(16))\"")
        }
        let encoded = try PayloadFields.requiredString(message["Signature"], "\(prefix)Signature")
        guard let signature = Data(base64Encoded: encoded), !signature.isEmpty else {
            throw IngestError(path: "\(prefix)Signature", "expected a base64 signature")
        }
        // Lambda spells it `SigningCertUrl`.
        let (certField, certValue) = PayloadFields.member(message, "SigningCertURL", "SigningCertUrl") ?? ("SigningCertURL", .null)
        let certURL = try PayloadFields.requiredString(certValue, "\(prefix)\(certField)")
        return SNSSignature(
            version: version, signature: Array(signature), signingCertURL: certURL, signedText: signedText, path: path)
    }
}

import AlertbridgeIngest
import AlertbridgeTestSupport
import Foundation
import NIOCore
import Testing

/// What an SNS signature is over: the canonical text AWS documents
/// (https://docs.aws.amazon.com/sns/latest/dg/sns-verify-signature-of-message.html),
/// spelled out here field by field rather than rebuilt the adapter's way.
@Suite struct SNSSignatureTests {
    static func signatures(_ body: String) throws(IngestError) -> [SNSSignature] {
        try CloudWatchAdapter().signatures(ByteBuffer(string: body))
    }

    static let signature = Data("sixteen bytes..!".utf8).base64EncodedString()

    @Test("a notification signs Message, MessageId, Subject, Timestamp, TopicArn and Type, in that order")
    func notification() throws {
        let body = """
            {"Type": "Notification", "MessageId": "m-1", "TopicArn": "arn:aws:sns:eu-west-1:1:alarms", "Subject": "ALARM: \\"cpu\\"",
             "Message": "{\\"AlarmName\\":\\"cpu\\"}\\nline 2", "Timestamp": "2024-05-13T09:20:10.527Z", "SignatureVersion": "2",
             "Signature": "\(Self.signature)", "SigningCertURL": "https://sns.eu-west-1.amazonaws.com/cert.pem",
             "UnsubscribeURL": "https://sns.eu-west-1.amazonaws.com/?Action=Unsubscribe"}
            """
        let signature = try #require(try Self.signatures(body).first)
        #expect(
            signature.signedText
                == "Message\n{\"AlarmName\":\"cpu\"}\nline 2\nMessageId\nm-1\nSubject\nALARM: \"cpu\"\nTimestamp\n2024-05-13T09:20:10.527Z\n"
                + "TopicArn\narn:aws:sns:eu-west-1:1:alarms\nType\nNotification\n")
        #expect(signature.version == .sha256WithRSA)
        #expect(signature.signature == Array("sixteen bytes..!".utf8))
        #expect(signature.signingCertURL == "https://sns.eu-west-1.amazonaws.com/cert.pem")
        #expect(signature.path == "")
    }

    @Test("without a Subject, the Subject lines are left out")
    func noSubject() throws {
        let body = """
            {"Type": "Notification", "MessageId": "m", "TopicArn": "t", "Message": "x", "Timestamp": "ts",
             "SignatureVersion": "1", "Signature": "\(Self.signature)", "SigningCertURL": "u"}
            """
        let signature = try #require(try Self.signatures(body).first)
        #expect(signature.signedText == "Message\nx\nMessageId\nm\nTimestamp\nts\nTopicArn\nt\nType\nNotification\n")
        #expect(signature.version == .sha1WithRSA)
    }

    @Test("a subscription confirmation signs SubscribeURL and Token too (the corpus example)")
    func confirmation() throws {
        let bodies = try Fixture.corpusBodies("aws-cloudwatch-sns.json")
        let text = String(decoding: bodies[3].body, as: UTF8.self).replacingOccurrences(of: "EXAMPLE", with: "EXAMPLEs")
        let envelope = try #require(try JSONSerialization.jsonObject(with: Data(text.utf8)) as? [String: String])
        let expected = ["Message", "MessageId", "SubscribeURL", "Timestamp", "Token", "TopicArn", "Type"]
            .map { "\($0)\n\(envelope[$0]!)\n" }.joined()
        let signature = try #require(try Self.signatures(text).first)
        #expect(signature.signedText == expected)
        #expect(signature.signingCertURL == envelope["SigningCertURL"])
    }

    @Test("an unsubscribe confirmation is signed like a subscription confirmation")
    func unsubscribe() throws {
        let body = """
            {"Type": "UnsubscribeConfirmation", "MessageId": "m", "TopicArn": "t", "Message": "x", "Timestamp": "ts", "Token": "k",
             "SubscribeURL": "s", "SignatureVersion": "1", "Signature": "\(Self.signature)", "SigningCertURL": "u"}
            """
        let signature = try #require(try Self.signatures(body).first)
        #expect(
            signature.signedText == "Message\nx\nMessageId\nm\nSubscribeURL\ns\nTimestamp\nts\nToken\nk\nTopicArn\nt\nType\nUnsubscribeConfirmation\n")
    }

    @Test("Lambda records: one signature each, the certificate from SigningCertUrl")
    func lambdaRecords() throws {
        let record = """
            {"Sns": {"Type": "Notification", "MessageId": "m", "TopicArn": "t", "Message": "x", "Timestamp": "ts",
             "SignatureVersion": "1", "Signature": "\(Self.signature)", "SigningCertUrl": "https://sns.us-east-1.amazonaws.com/c.pem"}}
            """
        let signatures = try Self.signatures(#"{"Records": [\#(record), \#(record)]}"#)
        #expect(signatures.count == 2)
        #expect(signatures.map(\.path) == ["Records[0].Sns", "Records[1].Sns"])
        #expect(signatures.allSatisfy { $0.signingCertURL == "https://sns.us-east-1.amazonaws.com/c.pem" })
    }

    @Test("what cannot be checked names its field", arguments: [
        (#"{"Type": "Notification", "MessageId": "m", "TopicArn": "t", "Message": "x", "Timestamp": "ts", "SignatureVersion": "1", "SigningCertURL": "u"}"#,
         "Signature: required, expected a string"),
        (#"{"Type": "Notification", "MessageId": "m", "TopicArn": "t", "Message": "x", "Timestamp": "ts", "SignatureVersion": "3", "Signature": "AAAA", "SigningCertURL": "u"}"#,
         "SignatureVersion: expected \"1\" or \"2\", got \"3\""),
        (#"{"Type": "Notification", "MessageId": "m", "TopicArn": "t", "Message": "x", "Timestamp": "ts", "SignatureVersion": "1", "Signature": "not base64!", "SigningCertURL": "u"}"#,
         "Signature: expected a base64 signature"),
        (#"{"Type": "Notification", "MessageId": "m", "TopicArn": "t", "Message": "x", "Timestamp": "ts", "SignatureVersion": "1", "Signature": "AAAA"}"#,
         "SigningCertURL: required, expected a string"),
        (#"{"Type": "SubscriptionConfirmation", "MessageId": "m", "TopicArn": "t", "Message": "x", "Timestamp": "ts", "SubscribeURL": "s", "SignatureVersion": "1", "Signature": "AAAA", "SigningCertURL": "u"}"#,
         "Token: missing; SNS signs it, so the signature cannot be checked without it"),
        (#"{"Type": "Notice"}"#, #"Type: expected "Notification", "SubscriptionConfirmation" or "UnsubscribeConfirmation", got "Notice""#),
        (#"{"Records": [{"Sns": {"Type": "Notification", "MessageId": "m", "TopicArn": "t", "Message": "x", "Timestamp": "ts", "SignatureVersion": "1", "Signature": "EXAMPLE", "SigningCertUrl": "u"}}]}"#,
         "Records[0].Sns.Signature: expected a base64 signature"),
    ])
    func malformed(_ body: String, _ message: String) {
        #expect(throws: IngestError.self) { try Self.signatures(body) }
        do {
            _ = try Self.signatures(body)
        } catch {
            #expect(error.description == message)
        }
    }
}

import AlertbridgeTestSupport
import Foundation
import Testing

@testable import AlertbridgeServer

/// HMAC against RFC 4231, certificate signatures as Amazon SNS makes them,
/// and the constant-time comparison's answers.
@Suite struct CryptoTests {
    static func hex(_ bytes: [UInt8]) -> String {
        bytes.map { ($0 < 16 ? "0" : "") + String($0, radix: 16) }.joined()
    }

    @Test("RFC 4231 test cases 1-4, 6 and 7", arguments: [
        ([UInt8](repeating: 0x0b, count: 20), Array("Hi There".utf8), "b0344c61d8db38535ca8afceaf0bf12b881dc200c9833da726e9376c2e32cff7"),
        (Array("Jefe".utf8), Array("what do ya want for nothing?".utf8), "5bdcc146bf60754e6a042426089575c75a003f089d2739839dec58b964ec3843"),
        ([UInt8](repeating: 0xaa, count: 20), [UInt8](repeating: 0xdd, count: 50), "773ea91e36800e46854db8ebd09181a72959098b3ef8c122d9635514ced565fe"),
        (Array(1...25), [UInt8](repeating: 0xcd, count: 50), "82558a389a443c0ea4cc819899f2083a85f0faa3e578f8077a2e3ff46729665b"),
        (
            [UInt8](repeating: 0xaa, count: 131), Array("Test Using Larger Than Block-Size Key - Hash Key First".utf8),
            "60e431591ee0b67f0d8a26aacbf5b77f8e0bc6213728c5140546040f0ee37f54"
        ),
        (
            [UInt8](repeating: 0xaa, count: 131),
            Array(
                "This is a test using a larger than block-size key and a larger than block-size data. The key needs to be hashed before being used by the HMAC algorithm."
                    .utf8),
            "9b09ffa71b942fcb27635fbcd5b0e944bfdc63644f0713938a7f51535c3a35e2"
        ),
    ] as [([UInt8], [UInt8], String)])
    func hmac(_ key: [UInt8], _ message: [UInt8], _ expected: String) {
        #expect(Self.hex(HMACSHA256.authenticationCode(for: message, key: key)) == expected)
    }

    static func fixture(_ name: String) throws -> [UInt8] {
        Array(try Fixture.data("sns/\(name)"))
    }

    @Test("an RSA signature checks out under its certificate, with SHA1 and SHA256", arguments: [SignatureDigest.sha1, .sha256])
    func signatureRoundTrip(_ digest: SignatureDigest) throws {
        let key = try Self.fixture("signing.key")
        let certificate = try Self.fixture("signing.pem")
        let data = Array("Message\nhello\nMessageId\n1\nTimestamp\n2024-05-13T09:20:10.527Z\nTopicArn\narn\nType\nNotification\n".utf8)
        let signature = try #require(CertificateSignature.sign(data, privateKeyPEM: key, digest: digest))
        #expect(signature.count == 256)
        #expect(CertificateSignature.verify(signature, over: data, certificatePEM: certificate, digest: digest) == .valid)
        // The other digest, other data, another key's certificate, a flipped bit.
        let other: SignatureDigest = digest == .sha1 ? .sha256 : .sha1
        #expect(CertificateSignature.verify(signature, over: data, certificatePEM: certificate, digest: other) == .badSignature)
        #expect(CertificateSignature.verify(signature, over: data + [0x0a], certificatePEM: certificate, digest: digest) == .badSignature)
        #expect(
            CertificateSignature.verify(signature, over: data, certificatePEM: try Self.fixture("other.pem"), digest: digest) == .badSignature)
        var flipped = signature
        flipped[17] ^= 0x04
        #expect(CertificateSignature.verify(flipped, over: data, certificatePEM: certificate, digest: digest) == .badSignature)
        #expect(CertificateSignature.verify([], over: data, certificatePEM: certificate, digest: digest) == .badSignature)
    }

    @Test("what is not a certificate is said so, whatever the signature")
    func notACertificate() throws {
        let data = Array("x".utf8)
        let signature = try #require(CertificateSignature.sign(data, privateKeyPEM: try Self.fixture("signing.key"), digest: .sha256))
        for pem in [[], Array("not a certificate".utf8), try Self.fixture("signing.key"), Array(try Self.fixture("signing.pem").prefix(400))] {
            #expect(CertificateSignature.verify(signature, over: data, certificatePEM: pem, digest: .sha256) == .badCertificate)
        }
        #expect(CertificateSignature.sign(data, privateKeyPEM: Array("no key".utf8), digest: .sha256) == nil)
    }

    @Test("HMAC of an empty message and with an empty key")
    func hmacEmpty() {
        // Python: hmac.new(b"", b"", hashlib.sha256).hexdigest()
        #expect(Self.hex(HMACSHA256.authenticationCode(for: [], key: [])) == "b613679a0814d9ec772f95d778c35fc5ff1697c493715653c6c712144292c5ad")
    }

    @Test(arguments: [
        ("secret", "secret", true), ("secret", "secreT", false), ("secret", "secret!", false), ("", "", true), ("", "x", false),
        ("abc", "ab", false),
    ])
    func constantTime(_ a: String, _ b: String, _ equal: Bool) {
        #expect(constantTimeEquals(Array(a.utf8), Array(b.utf8)) == equal)
        #expect(constantTimeEquals(Array(b.utf8), Array(a.utf8)) == equal)
    }

    @Test(arguments: [("00ff10", [0x00, 0xff, 0x10] as [UInt8]?), ("ABcd", [0xab, 0xcd]), ("abc", nil), ("zz", nil), ("", [])])
    func hexDecoding(_ text: String, _ expected: [UInt8]?) {
        #expect(bytes(fromHex: text) == expected)
    }
}

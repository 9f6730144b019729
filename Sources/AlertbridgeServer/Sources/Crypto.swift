import CCrypto

/// HMAC-SHA256 (RFC 2104, as RFC 4231 tests it), for request signatures.
///
/// OpenSSL's libcrypto does the work (`Sources/CCrypto`): swift-crypto is
/// not available here, and a digest is not something to keep by hand.
enum HMACSHA256 {
    static func authenticationCode(for message: some Sequence<UInt8>, key: [UInt8]) -> [UInt8] {
        var code = [UInt8](repeating: 0, count: 32)
        let computed =
            message.withContiguousStorageIfAvailable { message in
                key.withUnsafeBufferPointer { key in
                    ab_hmac_sha256(key.baseAddress, key.count, message.baseAddress, message.count, &code)
                }
            } ?? Array(message).withUnsafeBufferPointer { message in
                key.withUnsafeBufferPointer { key in
                    ab_hmac_sha256(key.baseAddress, key.count, message.baseAddress, message.count, &code)
                }
            }
        // Fails only if libcrypto cannot allocate; an empty code then
        // matches no signature, so the request is refused, never let through.
        return computed == 1 ? code : []
    }
}

/// The digest under an RSA (or other) signature.
enum SignatureDigest: Sendable {
    case sha1, sha256

    fileprivate var c: ab_digest { self == .sha1 ? AB_DIGEST_SHA1 : AB_DIGEST_SHA256 }
}

/// What checking a signature against a certificate found.
enum SignatureCheck: Equatable, Sendable {
    case valid
    case badSignature
    /// Not a PEM X.509 certificate, or it holds no usable public key.
    case badCertificate
    /// Before its notBefore or after its notAfter.
    case certificateNotValidNow
    case failed
}

/// Signatures over X.509 certificates' public keys (Amazon SNS signs its
/// deliveries with RSA, SHA1 or SHA256).
enum CertificateSignature {
    /// Checks `signature` over `data` with the public key in `certificatePEM`,
    /// and the certificate's validity period against the current time. The
    /// chain is not checked: the caller trusts the certificate by the HTTPS
    /// origin it was fetched from.
    static func verify(_ signature: [UInt8], over data: [UInt8], certificatePEM: [UInt8], digest: SignatureDigest) -> SignatureCheck {
        let result = certificatePEM.withUnsafeBufferPointer { pem in
            data.withUnsafeBufferPointer { data in
                signature.withUnsafeBufferPointer { signature in
                    pem.withMemoryRebound(to: CChar.self) { pem in
                        ab_verify_with_certificate(
                            pem.baseAddress, pem.count, digest.c, data.baseAddress, data.count, signature.baseAddress, signature.count)
                    }
                }
            }
        }
        switch result {
        case AB_VERIFY_OK: return .valid
        case AB_VERIFY_BAD_SIGNATURE: return .badSignature
        case AB_VERIFY_BAD_CERTIFICATE: return .badCertificate
        case AB_VERIFY_CERTIFICATE_NOT_VALID_NOW: return .certificateNotValidNow
        default: return .failed
        }
    }

    /// Signs `data` with a PEM private key: for tests that play Amazon SNS.
    static func sign(_ data: [UInt8], privateKeyPEM: [UInt8], digest: SignatureDigest) -> [UInt8]? {
        var signature = [UInt8](repeating: 0, count: 1024)
        var length = signature.count
        let ok = privateKeyPEM.withUnsafeBufferPointer { pem in
            data.withUnsafeBufferPointer { data in
                pem.withMemoryRebound(to: CChar.self) { pem in
                    ab_sign_with_private_key(pem.baseAddress, pem.count, digest.c, data.baseAddress, data.count, &signature, &length)
                }
            }
        }
        return ok == 1 ? Array(signature.prefix(length)) : nil
    }
}

/// Whether `a` and `b` are equal, in a time that depends only on their
/// lengths, never on where they first differ (so a caller cannot guess a
/// secret byte by byte from response times).
func constantTimeEquals(_ a: some Collection<UInt8>, _ b: some Collection<UInt8>) -> Bool {
    var difference: UInt8 = a.count == b.count ? 0 : 1
    // Walk the longer one so the loop's length does not leak which is shorter.
    let longer = max(a.count, b.count)
    var left = a.makeIterator()
    var right = b.makeIterator()
    for _ in 0..<longer {
        difference |= (left.next() ?? 0) ^ (right.next() ?? 0)
    }
    return difference == 0
}

/// The bytes a hex string spells (either case), or `nil` if it is not hex.
func bytes(fromHex text: some StringProtocol) -> [UInt8]? {
    let utf8 = Array(text.utf8)
    guard utf8.count % 2 == 0 else { return nil }
    func nibble(_ c: UInt8) -> UInt8? {
        switch c {
        case UInt8(ascii: "0")...UInt8(ascii: "9"): c - UInt8(ascii: "0")
        case UInt8(ascii: "a")...UInt8(ascii: "f"): c - UInt8(ascii: "a") + 10
        case UInt8(ascii: "A")...UInt8(ascii: "F"): c - UInt8(ascii: "A") + 10
        default: nil
        }
    }
    var result: [UInt8] = []
    result.reserveCapacity(utf8.count / 2)
    for index in stride(from: 0, to: utf8.count, by: 2) {
        guard let high = nibble(utf8[index]), let low = nibble(utf8[index + 1]) else { return nil }
        result.append(high << 4 | low)
    }
    return result
}

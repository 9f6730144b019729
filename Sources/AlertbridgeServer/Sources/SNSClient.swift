import AlertbridgeCore
import AlertbridgeIngest
import AsyncHTTPClient
import Foundation
import NIOCore
import NIOHTTP1
import NIOPosix
import NIOSSL
import Synchronization

/// The `cloudwatch` source's dealings with Amazon SNS: checking message
/// signatures against SNS's certificates, and confirming subscriptions.
///
/// Both fetch URLs that arrive inside requests, so both fetch only what
/// matches the source's `trusted_urls` (by default HTTPS to
/// `sns.<region>.amazonaws.com`), follow no redirects, and bound the time
/// and the bytes they spend. The certificate's authenticity rests on that
/// HTTPS origin, as AWS's SDKs have it; its validity period is checked too.
final class SNSClient: Sendable {
    /// Why a message's signatures were not accepted.
    enum Refusal: Error, Equatable, CustomStringConvertible {
        /// The request is not SNS's (401): no or a malformed signature, a
        /// certificate URL outside `trusted_urls`, a wrong signature.
        case forged(String)
        /// The certificate could not be fetched (503, so SNS retries).
        case unavailable(String)

        var description: String {
            switch self {
            case .forged(let reason), .unavailable(let reason): reason
            }
        }
    }

    /// Where a subscription confirmation stands.
    enum ConfirmationState: Equatable, Sendable {
        /// Logged and shown; an operator visits the URL.
        case awaitingOperator
        /// Being visited by alertbridge.
        case confirming
        case confirmed(at: Date)
        case failed(String)
    }

    static let maxCertificateBytes = 16 * 1024
    static let fetchTimeout: TimeAmount = .seconds(10)
    static let maxCachedCertificates = 16

    let settings: SNSSettings
    private let trusted: RE2Pattern
    private let client: HTTPClient
    /// Certificates by URL: SNS rotates them rarely, and every message of a
    /// region names the same one.
    private let certificates = Mutex<[String: [UInt8]]>([:])

    init(settings: SNSSettings, client: HTTPClient = SNSClient.sharedHTTPClient) throws {
        self.settings = settings
        trusted = try RE2Pattern(settings.trustedURLs, anchoring: .partial)
        self.client = client
    }

    /// One client for the process: it is never shut down, as
    /// `HTTPClient.shared` is not, but it follows no redirects (a trusted
    /// URL must not lead somewhere untrusted).
    static let sharedHTTPClient: HTTPClient = {
        var configuration = HTTPClient.Configuration(
            certificateVerification: .fullVerification, redirectConfiguration: .disallow,
            timeout: .init(connect: .seconds(5), read: .seconds(10)))
        configuration.decompression = .disabled
        return HTTPClient(eventLoopGroup: MultiThreadedEventLoopGroup.singleton, configuration: configuration)
    }()

    func isTrusted(_ url: String) -> Bool {
        trusted.matches(url)
    }

    /// Checks every signature; throws on the first that fails.
    func verify(_ signatures: [SNSSignature]) async throws(Refusal) {
        for signature in signatures {
            let at = signature.path.isEmpty ? "" : " at \(signature.path)"
            guard isTrusted(signature.signingCertURL) else {
                throw .forged("SigningCertURL\(at) is not trusted: \(signature.signingCertURL.prefix(200))")
            }
            let certificate = try await certificate(signature.signingCertURL)
            let digest: SignatureDigest = signature.version == .sha1WithRSA ? .sha1 : .sha256
            switch CertificateSignature.verify(
                signature.signature, over: Array(signature.signedText.utf8), certificatePEM: certificate, digest: digest)
            {
            case .valid: continue
            case .badSignature: throw .forged("the signature\(at) does not verify")
            case .badCertificate:
                forget(signature.signingCertURL)
                throw .unavailable("\(signature.signingCertURL.prefix(200)) is not a PEM certificate")
            case .certificateNotValidNow:
                forget(signature.signingCertURL)
                throw .forged("the signing certificate\(at) is expired or not yet valid")
            case .failed: throw .unavailable("the signature\(at) could not be checked")
            }
        }
    }

    /// Visits `subscribeURL` (a GET, as SNS expects); the outcome to show.
    func confirm(_ subscribeURL: String, now: @Sendable () -> Date) async -> ConfirmationState {
        guard isTrusted(subscribeURL) else { return .failed("SubscribeURL is not trusted by sns.trusted_urls") }
        do {
            let response = try await client.execute(HTTPClientRequest(url: subscribeURL), timeout: Self.fetchTimeout)
            _ = try? await response.body.collect(upTo: 64 * 1024)
            guard (200..<300).contains(response.status.code) else { return .failed("SNS answered \(response.status.code)") }
            return .confirmed(at: now())
        } catch {
            return .failed("\(error)")
        }
    }

    private func certificate(_ url: String) async throws(Refusal) -> [UInt8] {
        if let cached = certificates.withLock({ $0[url] }) { return cached }
        let pem: [UInt8]
        do {
            let response = try await client.execute(HTTPClientRequest(url: url), timeout: Self.fetchTimeout)
            guard response.status.code == 200 else { throw Refusal.unavailable("\(url.prefix(200)) answered \(response.status.code)") }
            pem = Array(try await response.body.collect(upTo: Self.maxCertificateBytes).readableBytesView)
        } catch let refusal as Refusal {
            throw refusal
        } catch {
            throw .unavailable("\(url.prefix(200)) could not be fetched: \(error)")
        }
        certificates.withLock {
            if $0.count >= Self.maxCachedCertificates { $0.removeAll() }
            $0[url] = pem
        }
        return pem
    }

    private func forget(_ url: String) {
        _ = certificates.withLock { $0.removeValue(forKey: url) }
    }
}

import Foundation
import NIOSSL

extension SyslogListeners {
    /// The TLS listener's context (RFC 5425): the server's chain and key, TLS
    /// 1.2 or later, and, with a client CA bundle, mandatory client
    /// certificates signed by one of those CAs.
    ///
    /// Every file is read and checked here, at startup, so a wrong path, a
    /// file that is not PEM, or a key that does not match the certificate
    /// stops the server with the file named instead of failing each handshake.
    static func makeTLSContext(
        certificate: String, key: String, clientCA: String?
    ) throws(SyslogListenerError) -> NIOSSLContext {
        let chain = try certificates(certificate, setting: "syslog.tls_cert (--tls-cert)")
        let privateKey: NIOSSLPrivateKey
        let keyBytes = try contents(key, setting: "syslog.tls_key (--tls-key)")
        do {
            privateKey = try NIOSSLPrivateKey(bytes: keyBytes, format: .pem)
        } catch {
            throw SyslogListenerError("syslog.tls_key (--tls-key) \(key): not a PEM private key (\(error))")
        }
        var tls = TLSConfiguration.makeServerConfiguration(
            certificateChain: chain.map { .certificate($0) }, privateKey: .privateKey(privateKey))
        tls.minimumTLSVersion = .tlsv12
        if let clientCA {
            let roots = try certificates(clientCA, setting: "syslog.tls_client_ca (--tls-client-ca)")
            // Require a client certificate, verified against these CAs only;
            // a client has no host name to check.
            tls.certificateVerification = .noHostnameVerification
            tls.trustRoots = .certificates(roots)
            tls.sendCANameList = true
        }
        do {
            return try NIOSSLContext(configuration: tls)
        } catch {
            throw SyslogListenerError(
                "syslog.tls_key (--tls-key) \(key): cannot be used with the certificate in \(certificate) (\(error))")
        }
    }

    private static func contents(_ path: String, setting: String) throws(SyslogListenerError) -> [UInt8] {
        guard let data = FileManager.default.contents(atPath: path) else {
            let reason = FileManager.default.fileExists(atPath: path) ? "cannot be read" : "no such file"
            throw SyslogListenerError("\(setting) \(path): \(reason)")
        }
        return [UInt8](data)
    }

    private static func certificates(_ path: String, setting: String) throws(SyslogListenerError) -> [NIOSSLCertificate] {
        let bytes = try contents(path, setting: setting)
        let parsed: [NIOSSLCertificate]
        do {
            parsed = try NIOSSLCertificate.fromPEMBytes(bytes)
        } catch {
            throw SyslogListenerError("\(setting) \(path): not a PEM certificate file (\(error))")
        }
        guard !parsed.isEmpty else { throw SyslogListenerError("\(setting) \(path): no PEM certificate in it") }
        return parsed
    }
}

import Foundation

/// Paths of the TLS test material in `Fixtures/tls` (made by its
/// `regenerate.sh`): a CA, a server certificate for localhost and 127.0.0.1,
/// a client certificate from that CA, and an unrelated CA with its own client.
public enum TLSFixture {
    public static var caCertificate: String { path("ca.pem") }
    public static var serverCertificate: String { path("server.pem") }
    public static var serverKey: String { path("server.key") }
    public static var clientCertificate: String { path("client.pem") }
    public static var clientKey: String { path("client.key") }
    public static var otherCACertificate: String { path("other-ca.pem") }
    public static var otherClientCertificate: String { path("other-client.pem") }
    public static var otherClientKey: String { path("other-client.key") }
    /// A valid key that belongs to none of the certificates.
    public static var unrelatedKey: String { path("wrong.key") }

    public static func path(_ name: String) -> String {
        Fixture.url("tls/\(name)").path
    }
}

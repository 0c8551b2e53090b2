import Crypto
import Foundation
import SwiftASN1
import X509

#if canImport(Glibc)
    import Glibc
#elseif canImport(Darwin)
    import Darwin
#endif

/// HTTPS for the sandbox: the certificate chain it presents (leaf first) and the leaf's private
/// key, both PEM. The real API is HTTPS only; this lets a client's TLS path (trust store, host
/// name, proxies with CONNECT) be tried locally.
public struct SandboxTLS: Sendable {
    public var certificateChainPEM: String
    public var privateKeyPEM: String

    public init(certificateChainPEM: String, privateKeyPEM: String) {
        self.certificateChainPEM = certificateChainPEM
        self.privateKeyPEM = privateKeyPEM
    }

    /// Reads a PEM certificate chain and a PEM private key from files.
    public init(certificateFile: String, keyFile: String) throws {
        func read(_ path: String, _ what: String) throws -> String {
            guard let data = FileManager.default.contents(atPath: path) else {
                throw SandboxServerError(message: "cannot read the TLS \(what) file \(path): it does not exist or is not readable")
            }
            return String(decoding: data, as: UTF8.self)
        }
        self.init(certificateChainPEM: try read(certificateFile, "certificate"), privateKeyPEM: try read(keyFile, "key"))
    }

    /// Checks that the certificate and key can be loaded, with a sentence when they cannot.
    public func validate() throws {
        _ = try SandboxServer.serverTLS(self)
    }
}

/// A throwaway certificate authority, made in memory: `minimo sandbox --tls-self-signed` uses
/// one to sign the sandbox's certificate and writes only the CA's certificate (public) for
/// clients to trust. Tests use it to make the certificates a client must refuse: expired, for
/// another host, or signed by a CA the client does not trust.
public struct SandboxCertificateAuthority: Sendable {
    /// The CA's certificate, PEM: what a client puts in its trust store.
    public let certificatePEM: String
    private let certificate: Certificate
    private let key: P256.Signing.PrivateKey

    public init(name: String = "minimo sandbox throwaway CA") throws {
        let key = P256.Signing.PrivateKey()
        let subject = try DistinguishedName {
            OrganizationName("minimo sandbox")
            CommonName(name)
        }
        let now = Date()
        let certificate = try Certificate(
            version: .v3, serialNumber: Certificate.SerialNumber(), publicKey: .init(key.publicKey),
            notValidBefore: now - 3600, notValidAfter: now + 365 * 86_400, issuer: subject, subject: subject,
            signatureAlgorithm: .ecdsaWithSHA256,
            extensions: try Certificate.Extensions {
                Critical(BasicConstraints.isCertificateAuthority(maxPathLength: 0))
                Critical(KeyUsage(keyCertSign: true, cRLSign: true))
                SubjectKeyIdentifier(hash: .init(key.publicKey))
            },
            issuerPrivateKey: .init(key))
        self.key = key
        self.certificate = certificate
        self.certificatePEM = try certificate.serializeAsPEM().pemString + "\n"
    }

    /// A server certificate for `hosts` (names or IP addresses), signed by this CA, valid from
    /// an hour ago for 30 days unless told otherwise.
    public func issue(hosts: [String], notBefore: Date = Date() - 3600, notAfter: Date = Date() + 30 * 86_400) throws -> SandboxTLS {
        let leafKey = P256.Signing.PrivateKey()
        let names = try hosts.map { host -> GeneralName in
            if let bytes = Self.addressBytes(host) { return .ipAddress(ASN1OctetString(contentBytes: ArraySlice(bytes))) }
            guard !host.isEmpty else { throw SandboxServerError(message: "an empty host name cannot go in a certificate") }
            return .dnsName(host)
        }
        let subject = try DistinguishedName {
            OrganizationName("minimo sandbox")
            CommonName(hosts.first ?? "sandbox")
        }
        let leaf = try Certificate(
            version: .v3, serialNumber: Certificate.SerialNumber(), publicKey: .init(leafKey.publicKey),
            notValidBefore: notBefore, notValidAfter: notAfter, issuer: certificate.subject, subject: subject,
            signatureAlgorithm: .ecdsaWithSHA256,
            extensions: try Certificate.Extensions {
                Critical(BasicConstraints.notCertificateAuthority)
                Critical(KeyUsage(digitalSignature: true))
                try ExtendedKeyUsage([.serverAuth])
                SubjectAlternativeNames(names)
            },
            issuerPrivateKey: .init(key))
        return SandboxTLS(certificateChainPEM: try leaf.serializeAsPEM().pemString + "\n", privateKeyPEM: leafKey.pemRepresentation + "\n")
    }

    static func addressBytes(_ host: String) -> [UInt8]? {
        let bare = host.trimmingCharacters(in: CharacterSet(charactersIn: "[]"))
        var v4 = in_addr()
        var v6 = in6_addr()
        if inet_pton(AF_INET, bare, &v4) == 1 { return withUnsafeBytes(of: &v4) { Array($0) } }
        if inet_pton(AF_INET6, bare, &v6) == 1 { return withUnsafeBytes(of: &v6) { Array($0) } }
        return nil
    }
}

import Foundation
import NIOSSL

extension TrustStore {
    /// Why `path` cannot serve as a CA file, or nil when it holds at least one PEM certificate.
    /// Checked before any request, so a typo in a path is a usage error with the path in it,
    /// not a handshake failure later.
    public static func problem(withFile path: String) -> String? {
        var isDirectory: ObjCBool = false
        guard FileManager.default.fileExists(atPath: path, isDirectory: &isDirectory) else { return "it does not exist" }
        if isDirectory.boolValue { return "it is a directory, not a PEM file" }
        guard FileManager.default.isReadableFile(atPath: path) else { return "it cannot be read (check its permissions)" }
        guard let certificates = try? NIOSSLCertificate.fromPEMFile(path), !certificates.isEmpty else {
            return "it holds no PEM certificate (-----BEGIN CERTIFICATE-----)"
        }
        return nil
    }

    /// Why `path` cannot serve as a CA directory, or nil.
    public static func problem(withDirectory path: String) -> String? {
        var isDirectory: ObjCBool = false
        guard FileManager.default.fileExists(atPath: path, isDirectory: &isDirectory) else { return "it does not exist" }
        guard isDirectory.boolValue else { return "it is not a directory" }
        guard FileManager.default.isReadableFile(atPath: path) else { return "it cannot be read (check its permissions)" }
        return nil
    }
}

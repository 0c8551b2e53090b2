import Foundation

enum PathEncoding {
    /// RFC 3986 unreserved characters; everything else in a path segment is percent-encoded
    /// (`@` → `%40`, `/` → `%2F`, UTF-8 bytes for accents), as `encodeURIComponent` does in the
    /// docs' example, so an email can never change the path's shape.
    private static let unreserved = CharacterSet(
        charactersIn: "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-._~")

    static func segment(_ text: String) -> String {
        text.addingPercentEncoding(withAllowedCharacters: unreserved) ?? text
    }
}

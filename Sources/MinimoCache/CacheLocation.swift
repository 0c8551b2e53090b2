import Foundation

/// Where a profile's cache lives: `$XDG_CACHE_HOME/minimo/` (default `~/.cache/minimo/`), or
/// the directory given by `--cache-dir` / `MINIMO_CACHE_DIR`. The directory is created 0700 and
/// tightened if it exists wider: it will hold customers' personal data.
public struct CacheLocation: Sendable, Hashable {
    public let directory: URL

    public init(directory: URL) {
        self.directory = directory
    }

    /// Resolves the directory from an explicit override, then the environment.
    public static func resolve(override: String? = nil, environment: [String: String] = ProcessInfo.processInfo.environment)
        -> CacheLocation
    {
        if let override, !override.isEmpty { return CacheLocation(directory: URL(fileURLWithPath: override)) }
        if let dir = environment["MINIMO_CACHE_DIR"], !dir.isEmpty { return CacheLocation(directory: URL(fileURLWithPath: dir)) }
        let base: URL
        if let xdg = environment["XDG_CACHE_HOME"], xdg.hasPrefix("/") {
            base = URL(fileURLWithPath: xdg)
        } else {
            let home = environment["HOME"] ?? NSHomeDirectory()
            base = URL(fileURLWithPath: home).appendingPathComponent(".cache")
        }
        return CacheLocation(directory: base.appendingPathComponent("minimo"))
    }

    /// The database file of one profile. Profile names are reduced to a safe file name.
    public func databaseURL(profile: String) -> URL {
        let safe = String(profile.map { $0.isLetter || $0.isNumber || $0 == "-" || $0 == "_" ? $0 : "_" })
        return directory.appendingPathComponent((safe.isEmpty ? "default" : safe) + ".sqlite")
    }

    /// Creates the directory if needed and makes sure it is private (0700).
    public func prepare() throws {
        let manager = FileManager.default
        try manager.createDirectory(at: directory, withIntermediateDirectories: true, attributes: [.posixPermissions: 0o700])
        try manager.setAttributes([.posixPermissions: 0o700], ofItemAtPath: directory.path)
    }
}

import Foundation

/// A throwaway `$HOME` whose `~/.config/minimo/config.toml` holds `config`: the real binary
/// reads it as a user's file. The caller removes it.
enum ConfigHome {
    static func make(_ config: String, prefix: String) throws -> URL {
        let home = try MultiProcessTests.temporaryDirectory(prefix)
        try FileManager.default.createDirectory(at: home.appendingPathComponent(".config/minimo"), withIntermediateDirectories: true)
        try config.write(to: home.appendingPathComponent(".config/minimo/config.toml"), atomically: true, encoding: .utf8)
        return home
    }
}

import Foundation
import MinimoKit
import MinimoTUI

/// Turns flags, environment and config file into a client configuration.
///
/// Precedence, highest first — base URL: `--base-url`, `MINIMO_BASE_URL`, the profile's
/// `base_url`, `https://api.minimo.it`. Key: `--api-key-file`, `--api-key` (with a warning),
/// `MINIMO_API_KEY`, then the profile's `api_key_file`, `api_key_command`, `api_key_env`.
/// Profile: `--profile`, `MINIMO_PROFILE`, the file's `default_profile`.
/// Trusted CAs, as curl: the profile's `ca_file`, else `CURL_CA_BUNDLE`, else `SSL_CERT_FILE`
/// and `SSL_CERT_DIR`, else the system's. Proxy: see `ProxyRules` (the profile's `proxy`, else
/// the curl variables; `NO_PROXY` either way).
struct ProfileResolver {
    var options: GlobalOptions
    var environment: [String: String] = ProcessInfo.processInfo.environment
    var warn: (String) -> Void = { message in FileHandle.standardError.write(Data("minimo: warning: \(message)\n".utf8)) }

    struct Resolved {
        var profileName: String?
        var configuration: MinimoConfiguration
        /// The TUI list's columns from the profile, if it sets them.
        var columns: [String]?
        /// What `--debug` says about the network: the proxy (password masked) and the CAs.
        var networkNotes: [String] = []
        /// `readonly = true` in the profile, or `--readonly`: no write reaches the outbox.
        var readonly = false
        /// The profile's status-bar label and its colour.
        var label: String?
        var color: String?

        /// The cache database's name: the profile, or the host and port when none is named
        /// (so a sandbox's data never mixes with a real account's).
        var cacheName: String {
            if let profileName { return profileName }
            let url = configuration.baseURL
            return "url-" + (url.host ?? "unknown") + (url.port.map { "-\($0)" } ?? "")
        }
    }

    /// The config file named by `--config`, or the default one (which may not exist).
    private func configFile() throws -> (url: URL, file: ConfigFile) {
        let configURL = options.config.map { URL(fileURLWithPath: $0) } ?? ConfigFile.defaultURL(environment: environment)
        if options.config != nil, !FileManager.default.fileExists(atPath: configURL.path) {
            throw CLIError(.usage, "config file \(configURL.path) does not exist")
        }
        return (configURL, try ConfigFile.load(from: configURL))
    }

    /// The TUI's keys: the defaults with the file's `[keys]` over them (for every profile).
    /// Only the TUI and `minimo keys` read them: a mistyped key never stops a script.
    func bindings() throws -> Bindings {
        let (url, file) = try configFile()
        return try file.bindings(path: url.path)
    }

    func resolve() throws -> Resolved {
        let (configURL, file) = try configFile()
        let name = options.profile ?? environment["MINIMO_PROFILE"].flatMap { $0.isEmpty ? nil : $0 } ?? file.defaultProfile
        var profile = ConfigFile.Profile()
        if let name {
            guard let found = file.profiles[name] else {
                let known = file.profiles.keys.sorted()
                throw CLIError(
                    .usage,
                    "no profile '\(name)' in \(configURL.path)" + (known.isEmpty ? " (the file defines none)" : " (known: \(known.joined(separator: ", ")))"))
            }
            profile = found
        }
        let baseText = options.baseURL ?? environment["MINIMO_BASE_URL"].flatMap { $0.isEmpty ? nil : $0 } ?? profile.baseURL
            ?? MinimoConfiguration.defaultBaseURL.absoluteString
        guard let baseURL = URL(string: baseText), baseURL.host != nil else {
            throw CLIError(.usage, "'\(baseText)' is not a valid base URL (expected https://host)")
        }
        let key = try resolveKey(profile: profile, profileName: name)
        var configuration = MinimoConfiguration(baseURL: baseURL, apiKey: key)
        if let timeout = options.timeout ?? profile.timeout { configuration.timeout = timeout }
        configuration.retry.maxRateLimitWait = options.maxWait
        do {
            _ = try configuration.resolvedAPIBase()
        } catch let error as MinimoError {
            throw CLIError(.usage, error.message)
        }
        let trust = try resolveTrust(profile: profile, profileName: name, configURL: configURL)
        let choice: ProxyRules.Choice
        do {
            choice = try ProxyRules.choose(for: baseURL, profileProxy: profile.proxy, environment: environment)
        } catch {
            let fix = profile.proxy != nil ? "fix proxy in profile '\(name ?? "")' of \(configURL.path)" : "fix the variable or unset it"
            throw CLIError(.usage, "\(error.message); \(fix)")
        }
        configuration.network = NetworkConfiguration(trust: trust, proxy: choice.proxy)
        var notes = [choice.explanation]
        if baseURL.scheme?.lowercased() == "https" { notes.append("TLS: trusting \(trust.summary)") }
        return Resolved(
            profileName: name, configuration: configuration, columns: profile.columns, networkNotes: notes,
            readonly: options.readonly || profile.readonly == true, label: profile.label, color: profile.color)
    }

    /// The CAs to trust. Every path is checked now: a missing or unreadable file is a usage
    /// error naming it, rather than an untrusted certificate later.
    private func resolveTrust(profile: ConfigFile.Profile, profileName: String?, configURL: URL) throws -> TrustStore {
        if let raw = profile.caFile {
            var path = NSString(string: raw).expandingTildeInPath
            if !path.hasPrefix("/") { path = configURL.deletingLastPathComponent().appendingPathComponent(path).path }
            if let problem = TrustStore.problem(withFile: path) {
                throw CLIError(.usage, "the ca_file of profile '\(profileName ?? "")', \(path), cannot be used: \(problem); fix the path in \(configURL.path)")
            }
            return TrustStore(caFile: path)
        }
        func variable(_ name: String) -> String? { environment[name].flatMap { $0.isEmpty ? nil : $0 } }
        func file(_ name: String) throws -> String? {
            guard let path = variable(name) else { return nil }
            if let problem = TrustStore.problem(withFile: path) {
                throw CLIError(.usage, "\(name)=\(path) cannot be used: \(problem); fix the path or unset \(name)")
            }
            return path
        }
        if let bundle = try file("CURL_CA_BUNDLE") { return TrustStore(caFile: bundle) }
        let certFile = try file("SSL_CERT_FILE")
        var certDirectory: String?
        if let path = variable("SSL_CERT_DIR") {
            if let problem = TrustStore.problem(withDirectory: path) {
                throw CLIError(.usage, "SSL_CERT_DIR=\(path) cannot be used: \(problem); fix the path or unset SSL_CERT_DIR")
            }
            certDirectory = path
        }
        return TrustStore(caFile: certFile, caDirectory: certDirectory)
    }

    private func resolveKey(profile: ConfigFile.Profile, profileName: String?) throws -> String {
        if let path = options.apiKeyFile { return try Self.readKeyFile(path) }
        if let key = options.apiKey {
            warn("--api-key puts the key in the process list and shell history; prefer MINIMO_API_KEY or --api-key-file")
            return try Self.checked(key, from: "--api-key")
        }
        if let key = environment["MINIMO_API_KEY"], !key.isEmpty { return try Self.checked(key, from: "MINIMO_API_KEY") }
        if let path = profile.apiKeyFile { return try Self.readKeyFile(path) }
        if let command = profile.apiKeyCommand { return try Self.runKeyCommand(command) }
        if let variable = profile.apiKeyEnv {
            guard let key = environment[variable], !key.isEmpty else {
                throw CLIError(.auth, "profile '\(profileName ?? "")' reads its key from $\(variable), which is not set")
            }
            return try Self.checked(key, from: "$\(variable)")
        }
        throw CLIError(
            .auth,
            """
            no API key. Set MINIMO_API_KEY, pass --api-key-file PATH (mode 0600), or add a profile to \
            ~/.config/minimo/config.toml (see `minimo help`). To explore without a key: minimo demo
            """)
    }

    static func checked(_ raw: String, from source: String) throws -> String {
        let key = raw.trimmingCharacters(in: .whitespacesAndNewlines)
        guard !key.isEmpty else { throw CLIError(.auth, "the API key from \(source) is empty") }
        guard !key.unicodeScalars.contains(where: { $0.value < 0x21 || $0.value == 0x7F }) else {
            throw CLIError(.auth, "the API key from \(source) contains spaces or control characters")
        }
        return key
    }

    /// Reads a key file, refusing one that others can read: the key grants writes to the account.
    static func readKeyFile(_ rawPath: String) throws -> String {
        let path = NSString(string: rawPath).expandingTildeInPath
        var info = stat()
        guard stat(path, &info) == 0 else { throw CLIError(.auth, "cannot read the key file \(path): it does not exist") }
        let mode = info.st_mode & 0o777
        if mode & 0o077 != 0 {
            throw CLIError(
                .auth,
                "refusing the key file \(path): its mode is \(String(mode, radix: 8)), readable by others; run: chmod 600 \(path)")
        }
        guard let data = FileManager.default.contents(atPath: path) else {
            throw CLIError(.auth, "cannot read the key file \(path)")
        }
        return try checked(String(decoding: data, as: UTF8.self), from: path)
    }

    /// Runs `api_key_command` (e.g. `pass show minimo/acme`) and takes the first line it prints.
    static func runKeyCommand(_ command: String) throws -> String {
        let process = Process()
        process.executableURL = URL(fileURLWithPath: "/bin/sh")
        process.arguments = ["-c", command]
        let output = Pipe()
        process.standardOutput = output
        process.standardError = FileHandle.standardError
        do { try process.run() } catch {
            throw CLIError(.auth, "cannot run the key command: \(error)")
        }
        let data = output.fileHandleForReading.readDataToEndOfFile()
        process.waitUntilExit()
        guard process.terminationStatus == 0 else {
            throw CLIError(.auth, "the key command exited with status \(process.terminationStatus)")
        }
        let firstLine = String(decoding: data, as: UTF8.self).split(separator: "\n").first.map(String.init) ?? ""
        return try checked(firstLine, from: "the key command")
    }
}

import Foundation
import MinimoTUI

/// `$XDG_CONFIG_HOME/minimo/config.toml` (default `~/.config/minimo/config.toml`).
///
/// ```toml
/// default_profile = "acme"
///
/// [profiles.acme]
/// base_url = "https://api.minimo.it"
/// legacy_base_url = "https://app.minimo.it"
/// api_key_file = "~/.config/minimo/acme.key"   # must be mode 0600
/// # or: api_key_command = "pass show minimo/acme"
/// # or: api_key_env = "ACME_MINIMO_KEY"
/// columns = ["email", "FIRST_NAME", "LAST_NAME", "PLAN"]   # the TUI's contact list
/// ca_file = "~/.config/minimo/company-ca.pem"   # trust these CAs instead of the system's
/// proxy = "http://proxy.example.com:3128"       # beats HTTPS_PROXY; "" means none
///
/// [keys.global]                 # the TUI's keys, for every profile (`minimo keys` lists them)
/// save = ["s", "ctrl-s"]
/// [keys.list]
/// mark = "space"
/// ```
///
/// The reader understands the part of TOML this file needs: comments, `[table]` and
/// `[profiles.NAME]` headers (NAME bare or quoted), and `key = value` with basic or literal
/// strings, integers, floats, booleans and one-line arrays of strings, and `[keys.CONTEXT]`
/// tables of `action = "key"` or `action = ["key", ...]`. Anything else is an
/// error naming the line, never a silent guess. (TOMLKit is on the package mirror, but it
/// compiles toml++ — a large C++ library — into every build and CI run, for a file of a few
/// keys; this small subset reader was the better trade. Revisit if the file grows nested
/// tables or multi-line arrays.)
struct ConfigFile: Equatable {
    struct Profile: Equatable {
        var baseURL: String?
        var legacyBaseURL: String?
        var apiKeyFile: String?
        var apiKeyCommand: String?
        var apiKeyEnv: String?
        var timeout: Double?
        /// The TUI list's columns: `email`, `name`, `phone`, `status`, `id`, or a custom field
        /// by key or display name.
        var columns: [String]?
        /// A PEM file of the certificate authorities to trust instead of the system's (curl's
        /// `--cacert`); a relative path is read from the config file's directory.
        var caFile: String?
        /// The proxy for this profile, beating `HTTPS_PROXY` and the others; `""` turns the
        /// environment's proxy off.
        var proxy: String?
        /// Refuse every write (production accounts): nothing reaches the outbox.
        var readonly: Bool?
        /// A word for the status bar, e.g. `PROD`, so production looks different.
        var label: String?
        /// The label's colour: red, yellow, green or blue.
        var color: String?
    }

    var defaultProfile: String?
    var profiles: [String: Profile] = [:]
    /// `[keys.CONTEXT]` lines, checked against the bindings table by `bindings(path:)`.
    var keys: [KeyOverride] = []

    /// The TUI's keys: the defaults with this file's `[keys]` over them. A bad line is a usage
    /// error naming the file and the line.
    func bindings(path: String) throws -> Bindings {
        do {
            return try Bindings.defaults.applying(keys)
        } catch {
            throw CLIError(.usage, "\(path):\(error.line): \(error.message)")
        }
    }

    static func defaultURL(environment: [String: String]) -> URL {
        if let xdg = environment["XDG_CONFIG_HOME"], xdg.hasPrefix("/") {
            return URL(fileURLWithPath: xdg).appendingPathComponent("minimo/config.toml")
        }
        let home = environment["HOME"] ?? NSHomeDirectory()
        return URL(fileURLWithPath: home).appendingPathComponent(".config/minimo/config.toml")
    }

    /// Reads the file; a missing file is an empty configuration.
    static func load(from url: URL) throws -> ConfigFile {
        guard FileManager.default.fileExists(atPath: url.path) else { return ConfigFile() }
        guard let data = FileManager.default.contents(atPath: url.path) else {
            throw CLIError(.usage, "cannot read the config file \(url.path)")
        }
        do {
            return try parse(String(decoding: data, as: UTF8.self))
        } catch let error as ConfigSyntaxError {
            throw CLIError(.usage, "\(url.path):\(error.line): \(error.message)")
        }
    }

    struct ConfigSyntaxError: Error {
        var line: Int
        var message: String
    }

    static func parse(_ text: String) throws -> ConfigFile {
        var config = ConfigFile()
        var table: [String] = []
        // TOML forbids setting a key twice: which one was meant cannot be guessed.
        var seen: [String: Int] = [:]
        for (index, rawLine) in text.split(separator: "\n", omittingEmptySubsequences: false).enumerated() {
            let lineNumber = index + 1
            var line = Substring(stripComment(String(rawLine))).trimmingCharacters(in: .whitespaces)
            if line.hasSuffix("\r") { line.removeLast() }
            if line.isEmpty { continue }
            if line.hasPrefix("[") {
                guard line.hasSuffix("]"), !line.hasPrefix("[[") else {
                    throw ConfigSyntaxError(line: lineNumber, message: "malformed table header \(line)")
                }
                table = try splitKey(String(line.dropFirst().dropLast()), line: lineNumber)
                if table.first == "keys" {
                    guard table.count == 2 else {
                        throw ConfigSyntaxError(
                            line: lineNumber,
                            message: "keys go under a context: [keys.global], [keys.move], [keys.list], [keys.fields], [keys.consent], [keys.log] or [keys.outbox]")
                    }
                    continue
                }
                guard table.first == "profiles", table.count == 2 else {
                    throw ConfigSyntaxError(line: lineNumber, message: "unknown table [\(table.joined(separator: "."))] (expected [profiles.NAME] or [keys.CONTEXT])")
                }
                if config.profiles[table[1]] == nil { config.profiles[table[1]] = Profile() }
                continue
            }
            guard let equals = line.firstIndex(of: "=") else {
                throw ConfigSyntaxError(line: lineNumber, message: "expected key = value")
            }
            let key = line[..<equals].trimmingCharacters(in: .whitespaces)
            let value = try parseValue(line[line.index(after: equals)...].trimmingCharacters(in: .whitespaces), line: lineNumber)
            let path = (table + [key]).joined(separator: ".")
            if let first = seen[path] {
                throw ConfigSyntaxError(line: lineNumber, message: "'\(key)' is set twice (first on line \(first))")
            }
            seen[path] = lineNumber
            if table.isEmpty {
                guard key == "default_profile", case .string(let name) = value else {
                    throw ConfigSyntaxError(line: lineNumber, message: "unknown top-level key '\(key)' (expected default_profile = \"NAME\")")
                }
                config.defaultProfile = name
                continue
            }
            if table.first == "keys" {
                let names: [String]
                switch value {
                case .string(let name): names = [name]
                case .strings(let list): names = list
                default:
                    throw ConfigSyntaxError(line: lineNumber, message: "a key binding is a key name in quotes, or an array of them: \(key) = [\"s\", \"ctrl-s\"]")
                }
                config.keys.append(KeyOverride(context: table[1], action: key, keys: names, line: lineNumber))
                continue
            }
            var profile = config.profiles[table[1]] ?? Profile()
            switch (key, value) {
            case ("base_url", .string(let text)): profile.baseURL = text
            case ("legacy_base_url", .string(let text)): profile.legacyBaseURL = text
            case ("api_key_file", .string(let text)): profile.apiKeyFile = text
            case ("api_key_command", .string(let text)): profile.apiKeyCommand = text
            case ("api_key_env", .string(let text)): profile.apiKeyEnv = text
            case ("timeout", .number(let seconds)): profile.timeout = seconds
            case ("ca_file", .string(let path)):
                guard !path.trimmingCharacters(in: .whitespaces).isEmpty else {
                    throw ConfigSyntaxError(line: lineNumber, message: "ca_file is empty: give the path of a PEM file of CA certificates, or remove the line")
                }
                profile.caFile = path
            case ("proxy", .string(let url)): profile.proxy = url
            case ("readonly", .bool(let on)): profile.readonly = on
            case ("label", .string(let text)):
                guard !text.trimmingCharacters(in: .whitespaces).isEmpty, text.count <= 20 else {
                    throw ConfigSyntaxError(line: lineNumber, message: "label is a short word for the status bar (1 to 20 characters), e.g. \"PROD\"")
                }
                profile.label = text
            case ("color", .string(let name)):
                guard ProfileAppearanceColor(rawValue: name.lowercased()) != nil else {
                    throw ConfigSyntaxError(line: lineNumber, message: "color is one of red, yellow, green, blue (found \"\(name)\")")
                }
                profile.color = name.lowercased()
            case ("columns", .strings(let names)):
                guard !names.isEmpty, !names.contains(where: { $0.trimmingCharacters(in: .whitespaces).isEmpty }) else {
                    throw ConfigSyntaxError(line: lineNumber, message: "columns needs at least one name, and no empty one")
                }
                profile.columns = names
            case ("api_key", _):
                throw ConfigSyntaxError(line: lineNumber, message: "keys are not stored in the config file; use api_key_file (mode 0600), api_key_command or api_key_env")
            default:
                throw ConfigSyntaxError(line: lineNumber, message: "unknown or mistyped profile setting '\(key)'")
            }
            config.profiles[table[1]] = profile
        }
        return config
    }

    enum Value: Equatable {
        case string(String)
        case number(Double)
        case bool(Bool)
        case strings([String])
    }

    private static func parseValue(_ text: String, line: Int) throws -> Value {
        if text.hasPrefix("[") {
            guard text.hasSuffix("]") else { throw ConfigSyntaxError(line: line, message: "an array must close on the same line") }
            var items: [String] = []
            for item in try splitArray(String(text.dropFirst().dropLast()), line: line) {
                guard case .string(let string) = try parseValue(item, line: line) else {
                    throw ConfigSyntaxError(line: line, message: "an array here holds strings in quotes (found \(item))")
                }
                items.append(string)
            }
            return .strings(items)
        }
        if text.hasPrefix("\"") {
            guard text.count >= 2, text.hasSuffix("\"") else { throw ConfigSyntaxError(line: line, message: "unterminated string") }
            var result = ""
            var iterator = text.dropFirst().dropLast().makeIterator()
            while let character = iterator.next() {
                guard character == "\\" else { result.append(character); continue }
                switch iterator.next() {
                case "\""?: result.append("\"")
                case "\\"?: result.append("\\")
                case "n"?: result.append("\n")
                case "t"?: result.append("\t")
                default: throw ConfigSyntaxError(line: line, message: "unsupported escape in string")
                }
            }
            return .string(result)
        }
        if text.hasPrefix("'") {
            guard text.count >= 2, text.hasSuffix("'") else { throw ConfigSyntaxError(line: line, message: "unterminated string") }
            return .string(String(text.dropFirst().dropLast()))
        }
        if text == "true" { return .bool(true) }
        if text == "false" { return .bool(false) }
        if let number = Double(text.replacingOccurrences(of: "_", with: "")) { return .number(number) }
        throw ConfigSyntaxError(line: line, message: "cannot read value '\(text)' (strings need quotes)")
    }

    /// The items of a one-line array, split at commas outside quotes (a trailing comma is fine).
    private static func splitArray(_ text: String, line: Int) throws -> [String] {
        var items: [String] = []
        var current = ""
        var quote: Character?
        var previous: Character = " "
        for character in text {
            if let open = quote {
                if character == open, !(open == "\"" && previous == "\\") { quote = nil }
                current.append(character)
            } else if character == "\"" || character == "'" {
                quote = character
                current.append(character)
            } else if character == "," {
                items.append(current.trimmingCharacters(in: .whitespaces))
                current = ""
            } else {
                current.append(character)
            }
            previous = character
        }
        if quote != nil { throw ConfigSyntaxError(line: line, message: "unterminated string in array") }
        let last = current.trimmingCharacters(in: .whitespaces)
        if !last.isEmpty { items.append(last) }
        if items.contains(where: \.isEmpty) { throw ConfigSyntaxError(line: line, message: "empty item in array") }
        return items
    }

    private static func splitKey(_ text: String, line: Int) throws -> [String] {
        var parts: [String] = []
        var current = ""
        var quoted = false
        for character in text {
            if character == "\"" { quoted.toggle(); continue }
            if character == ".", !quoted {
                parts.append(current.trimmingCharacters(in: .whitespaces))
                current = ""
                continue
            }
            current.append(character)
        }
        if quoted { throw ConfigSyntaxError(line: line, message: "unterminated quoted name") }
        parts.append(current.trimmingCharacters(in: .whitespaces))
        if parts.contains(where: \.isEmpty) { throw ConfigSyntaxError(line: line, message: "empty name in table header") }
        return parts
    }

    /// Drops a `#` comment that is not inside a string.
    private static func stripComment(_ line: String) -> String {
        var inBasic = false
        var inLiteral = false
        var previous: Character = " "
        for (offset, character) in line.enumerated() {
            if character == "\"", !inLiteral, previous != "\\" { inBasic.toggle() }
            if character == "'", !inBasic { inLiteral.toggle() }
            if character == "#", !inBasic, !inLiteral { return String(line.prefix(offset)) }
            previous = character
        }
        return line
    }
}

/// The colours a profile's label may take (`color = "red"`).
enum ProfileAppearanceColor: String, CaseIterable {
    case red, yellow, green, blue
}

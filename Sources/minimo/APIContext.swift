import Foundation
import Logging
import MinimoCache
import MinimoKit
import MinimoTUI

/// A client and the profile's cache built from the global options, plus the output helpers
/// every API command shares.
struct APIContext {
    let client: MinimoClient
    let store: ContactStore
    let profileName: String?
    /// `readonly = true` in the profile, or `--readonly`.
    let readonly: Bool
    /// The profile's status-bar label and colour (`label`, `color`).
    let label: String?
    let color: String?
    /// The TUI list's columns, from the profile (nil: the default).
    let listColumns: [String]?

    /// - Parameter tui: the TUI will own the terminal, so `--debug` logs to `debug.log` in the
    ///   cache directory rather than to stderr.
    init(_ options: GlobalOptions, tui: Bool = false) throws {
        let resolved = try ProfileResolver(options: options).resolve()
        var logger = Logger(label: "minimo.client")
        if options.debug, tui {
            let directory = try CacheLocation.resolve(override: options.cacheDir)
            try directory.prepare()
            let path = directory.directory.appendingPathComponent("debug.log").path
            let handle = try FileLogHandler.open(path)
            logger = Logger(label: "minimo.client") { label in FileLogHandler(label: label, handle: handle) }
            logger.logLevel = .debug
            FileHandle.standardError.write(Data("minimo: --debug logs to \(path)\n".utf8))
        } else if options.debug {
            logger = Logger(label: "minimo.client") { label in StreamLogHandler.standardError(label: label) }
            logger.logLevel = .debug
        }
        for note in resolved.networkNotes { logger.debug("\(note)") }
        // One quota for every process using this key at this host (DESIGN §10): the ledger file
        // lives in the cache directory and is named by the host and a hash of the key.
        var configuration = resolved.configuration
        let location = CacheLocation.resolve(override: options.cacheDir)
        do {
            try location.prepare()
        } catch {
            throw CLIError(.failure, "cannot create the cache directory \(location.directory.path): \(error.localizedDescription)")
        }
        configuration.gate.ledgerPath = location.quotaLedgerPath(for: configuration)
        do {
            // --debug=curl: each request, as it completes, as the curl command that repeats it.
            let network = configuration.network
            let recorder = options.debugCurl && !tui
                ? ExchangeRecorder { exchange in
                    FileHandle.standardError.write(Data(("# " + exchange.method + " " + exchange.path + "\n" + exchange.curlCommand(network: network) + "\n").utf8))
                }
                : ExchangeRecorder()
            client = try MinimoClient(configuration: configuration, recorder: recorder, logger: logger)
        } catch let error as MinimoError where error.kind == .localFile {
            throw CLIError(.failure, error.message)
        }
        profileName = resolved.profileName
        listColumns = resolved.columns
        readonly = resolved.readonly
        label = resolved.label
        color = resolved.color
        StartupTrace.mark("client")
        do {
            store = try ContactStore(
                client: client, location: location, profile: resolved.cacheName, policy: FreshnessPolicy(ttl: options.ttl),
                readOnly: resolved.readonly)
        } catch let error as CacheError {
            throw CLIError(.failure, error.message)  // a sentence naming the file and the cause
        } catch {
            throw CLIError(.failure, "cannot open the cache in \(location.directory.path): \(CacheError.sentence(for: error, path: nil))")
        }
        StartupTrace.mark("cache-open")
    }

    /// Refuses a write on a read-only profile before anything is queued (exit 2). The store
    /// refuses too (`ReadOnlyProfile`); this says it first, naming what was asked.
    func requireWritable(_ what: String) throws {
        guard readonly else { return }
        let name = profileName.map { "profile '\($0)'" } ?? "this profile"
        throw CLIError(.usage, "\(what) refused: \(name) is read-only (readonly = true in its config, or --readonly); nothing was queued or sent")
    }

    /// Prints raw bytes (a `--json` body) with a final newline.
    static func writeBody(_ body: Data) {
        FileHandle.standardOutput.write(body)
        if body.last != UInt8(ascii: "\n") { FileHandle.standardOutput.write(Data("\n".utf8)) }
    }

    func printQuota() async {
        if let quota = await client.gate.current {
            FileHandle.standardError.write(Data("\(quota.summary(now: Date()))\n".utf8))
        }
    }

    /// Prints the exact body (for `--json`) or the human form, then the quota to stderr.
    func emit<Value>(_ response: MinimoResponse<Value>, json: Bool, human: (Value) -> String) {
        if json {
            FileHandle.standardOutput.write(response.body)
            if response.body.last != UInt8(ascii: "\n") { FileHandle.standardOutput.write(Data("\n".utf8)) }
        } else {
            print(human(response.value))
        }
        if let quota = response.quota {
            FileHandle.standardError.write(Data("\(quota.summary(now: Date()))\n".utf8))
        }
    }
}

/// Human output. Every string from the server is sanitised: a contact's fields can hold escape
/// sequences, and printing them raw would let the API drive the user's terminal.
enum HumanOutput {
    static func safe(_ text: String) -> String { TerminalText.sanitize(text) }

    /// A value as JSON (types visible: `"3"` is text, `3` a number), cut when very long.
    static func value(_ value: JSONValue) -> String {
        let text = value.jsonText
        let limit = 300
        guard text.count > limit else { return safe(text) }
        return safe(String(text.prefix(limit))) + "… (\(text.count) characters; --json shows all)"
    }

    static func consent(_ flag: Bool?) -> String {
        switch flag {
        case true?: "yes"
        case false?: "no"
        case nil: "unknown"
        }
    }

    static func table(_ rows: [(String, String)], indent: Int = 2) -> String {
        let width = rows.map { TerminalText.displayWidth($0.0) }.max() ?? 0
        return rows.map { label, value in
            String(repeating: " ", count: indent) + TerminalText.fit(label, columns: width) + "  " + value
        }.joined(separator: "\n")
    }

    static func contact(_ contact: Contact) -> String {
        var lines = ["\(safe(contact.email ?? "(no email)"))  (id \(safe(contact.id.rawValue)))"]
        var rows: [(String, String)] = [
            ("phone", safe(contact.phone ?? "—")),
            ("status", safe(contact.status ?? "—")),
            ("source", safe(contact.source ?? "—")),
            ("company", contact.company.map(value) ?? "—"),
            ("deleted", contact.deleted ? "yes" : "no"),
        ]
        let name = [contact.firstName, contact.lastName].compactMap { $0 }.joined(separator: " ")
        if !name.isEmpty { rows.insert(("name", safe(name)), at: 0) }
        if let external = contact.externalID { rows.append(("external id", safe(external))) }
        if let connection = contact.externalConnectionID { rows.append(("external connection", value(connection))) }
        if let created = contact.createdAt { rows.append(("created", safe(created))) }
        if let updated = contact.updatedAt { rows.append(("updated", safe(updated))) }
        if let consent = contact.marketingConsent {
            rows.append(("consent", "email: \(Self.consent(consent.email)) · whatsapp: \(Self.consent(consent.whatsapp))"))
        } else {
            rows.append(("consent", "unknown (the server did not send it)"))
        }
        lines.append(table(rows))
        if contact.customFields.isEmpty {
            lines.append("  custom fields: none")
        } else {
            lines.append("  custom fields")
            lines.append(table(contact.customFields.keys.sorted().map { (safe($0), value(contact.customFields[$0]!)) }, indent: 4))
        }
        let others = contact.otherFields
        if !others.isEmpty {
            lines.append("  other fields")
            lines.append(table(others.keys.sorted().map { (safe($0), value(others[$0]!)) }, indent: 4))
        }
        return lines.joined(separator: "\n")
    }
}

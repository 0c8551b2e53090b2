import Crypto
import Foundation
import GRDB
import MinimoKit

/// What `minimo import` will do with each row, decided before anything is sent: every row
/// validated (email, E.164 phone, consent, each custom field typed by its definition with the
/// TUI's parser, control characters, duplicates within the file), then compared with the
/// cache, so that unchanged rows cost nothing.
///
/// **Cells.** An empty cell leaves the field unchanged. In a column named by `--unset-empty`,
/// an empty cell deletes the custom field instead (sent as `null`): no text value can be
/// mistaken for a deletion. In JSON Lines, a missing key leaves the field unchanged and `null`
/// deletes it (a custom field only). A cell written as a spreadsheet-safe formula, one or more
/// `'` before `=`, `+`, `-`, `@`, tab or CR (what `minimo export` writes), loses one `'`; any
/// other text, `=1+1` included, is stored exactly as written.
///
/// **Control characters.** The API stores any string, but a value with C0 controls (other than
/// tab and line breaks: LF, and CR only as part of CRLF), DEL or C1 controls is refused: they
/// are invisible in a spreadsheet, they carry terminal escape sequences (ESC, CSI), and no
/// contact field needs them. The TUI shows such values escaped when the server already holds
/// them; an import does not add more. A value the cached contact already holds exactly is not
/// refused (it changes nothing), so an export of such a contact imports back unchanged.
///
/// In JSON Lines, `null` deletes a custom field; for a phone or a consent it changes nothing
/// (an upsert cannot remove them, and `null` is how the API's contact object says "none").
public struct ImportPlan: Sendable {
    public enum Action: Sendable, Hashable {
        /// Not in the cache by email or by phone, and the cache has had a complete sync: the
        /// upsert creates it (201 expected).
        case create
        /// Cached and different on some column given (or deleted: the upsert restores it).
        case update
        /// No cached contact has the email, but one has the phone: the server matches that one
        /// by phone and moves its email to the row's (`contactID`, its email now).
        case updateByPhone(ContactID, String)
        /// Cached and equal on every column given, but older than the TTL: sent, since the
        /// server may have changed since (`minimo sync` first makes such rows free).
        case stale
        /// Not cached, and the cache has had no complete sync: sent as an upsert.
        case unknown
        /// Cached within the TTL and equal on every column given: nothing is sent.
        case unchanged
        /// Invalid: nothing of it is sent.
        case rejected([ImportProblem])
        /// Queued by an earlier run of the same file and not yet sent: sent by this one.
        case queuedEarlier
        /// Applied by an earlier run of the same file (`created` for a 201).
        case appliedEarlier(created: Bool)
        /// Refused by the server in an earlier run of the same file (the reason it gave).
        case refusedEarlier(String)

        /// Whether this run sends it.
        public var sends: Bool {
            switch self {
            case .create, .update, .updateByPhone, .stale, .unknown, .queuedEarlier: true
            default: false
            }
        }
    }

    public struct Row: Sendable, Hashable {
        public var record: ImportRecord
        public var email: String?
        public var action: Action
        /// The idempotency key of its upsert (absent for a rejected row).
        public var idempotencyKey: String?
        /// The upsert, for the rows this run queues (not for earlier ones, already queued).
        public var upsert: ContactUpsert?
    }

    public var file: ImportFile
    public var mapping: ImportMapping
    /// `import:` and the first 16 hex digits of the file's SHA-256.
    public var batch: String
    public var rows: [Row]
    /// When the cache last completed a sync (nil: never; rows not cached are then `unknown`).
    public var lastCompleteSync: Date?
    /// Field definitions were fetched for this plan (1 request).
    public var fetchedDefinitions: Bool

    /// The writes to queue (rows to send that no earlier run queued).
    public var writes: [OutboxWrite] {
        rows.compactMap { row in
            guard row.action.sends, row.action != .queuedEarlier, let upsert = row.upsert, let key = row.idempotencyKey else { return nil }
            return OutboxWrite(.upsert(upsert), idempotencyKey: key)
        }
    }

    /// Write requests this run will make: one upsert per row to send.
    public var requests: Int { rows.filter { $0.action.sends }.count }

    public func count(_ matches: (Action) -> Bool) -> Int { rows.filter { matches($0.action) }.count }

    public var rejectedRows: [Row] {
        rows.filter { if case .rejected = $0.action { return true } else { return false } }
    }
}

/// Why a row was rejected: the column (nil for the row as a whole) and the reason.
public struct ImportProblem: Sendable, Hashable {
    public var column: String?
    public var reason: String

    public init(column: String?, reason: String) {
        self.column = column
        self.reason = reason
    }
}

extension ContactStore {
    /// Reads the definitions (fetched once when the cache has none), maps the columns,
    /// validates every row and classifies it against the cache and the outbox. Throws
    /// `ImportError` for a problem with the file as a whole (unknown columns...), before any
    /// row is considered.
    public func planImport(_ file: ImportFile, overrides: ImportMapping.Overrides) async throws -> ImportPlan {
        var definitions = try await cachedFieldDefinitions()
        var fetched = false
        if definitions.isEmpty {
            definitions = try await fieldDefinitions(refresh: true)
            fetched = true
        }
        let storedKeys = try await cachedCustomFieldKeys()
        let mapping = try ImportMapping.resolve(file, definitions: definitions, storedKeys: storedKeys, overrides: overrides)
        let emailColumn = mapping.emailColumn ?? "email"
        let emails = file.records.compactMap { record -> String? in
            guard case .text(let text)? = record.values[emailColumn] else { return nil }
            return text.trimmingCharacters(in: .whitespacesAndNewlines)
        }
        let (cached, lastSync) = try await database.read { db -> ([String: (contact: Contact, fetchedAt: Date)], Date?) in
            var found: [String: (contact: Contact, fetchedAt: Date)] = [:]
            for email in emails {
                let key = Self.emailKey(email)
                if found[key] == nil, let hit = try Self.cachedContact(emailKey: key, in: db) { found[key] = hit }
            }
            let sync = try Double.fetchOne(db, sql: "SELECT completedAt FROM sync_state WHERE name = 'contacts'")
            return (found, sync.map { Date(timeIntervalSince1970: $0) })
        }
        let now = clock.now()
        let ttl = policy.ttl
        let batch = "import:" + file.sha256.prefix(16)

        var rows: [ImportPlan.Row] = []
        var firstLineOfEmail: [String: Int] = [:]
        var firstOfPhone: [String: (line: Int, email: String)] = [:]
        var phonesToMatch: Set<String> = []
        for record in file.records {
            var builder = ImportRowBuilder(record: record, mapping: mapping)
            let email = builder.email()
            let hit = email.flatMap { cached[Self.emailKey($0)] }
            var upsert = builder.upsert(email: email ?? "", cached: hit?.contact)
            if let email, builder.problems.isEmpty {
                let key = Self.emailKey(email)
                if let first = firstLineOfEmail[key] {
                    builder.problems.append(ImportProblem(column: emailColumn, reason: "the same email as line \(first) (emails are compared ignoring case): only the first row of an email is imported"))
                } else {
                    firstLineOfEmail[key] = record.line
                }
            }
            if let phone = upsert.phone, let email, builder.problems.isEmpty {
                if let first = firstOfPhone[phone], first.email.lowercased() != email.lowercased() {
                    builder.problems.append(ImportProblem(
                        column: mapping.columns.first { $0.target == .phone }?.name,
                        reason: "the same phone as line \(first.line) (\(first.email)): the server matches contacts by phone after email, so this row would change that contact"))
                } else if firstOfPhone[phone] == nil {
                    firstOfPhone[phone] = (record.line, email)
                }
                if hit == nil { phonesToMatch.insert(phone) }
            }
            guard builder.problems.isEmpty, let email else {
                rows.append(ImportPlan.Row(record: record, email: email, action: .rejected(builder.problems)))
                continue
            }
            upsert.email = email
            let digest = SHA256.hash(data: Data("\(file.sha256)\n\(record.number)\n".utf8) + upsert.json.serialized())
            let key = "minimo-import-" + digest.prefix(16).map { String(format: "%02x", $0) }.joined()
            let action: ImportPlan.Action
            if let hit {
                if hit.contact.deleted || !builder.isUnchanged(upsert, on: hit.contact) {
                    action = .update
                } else {
                    action = now.timeIntervalSince(hit.fetchedAt) < ttl ? .unchanged : .stale
                }
            } else {
                action = lastSync == nil ? .unknown : .create
            }
            rows.append(ImportPlan.Row(record: record, email: email, action: action, idempotencyKey: key, upsert: upsert))
        }

        // Not cached by email, but a cached contact has the phone: the server will match it.
        if !phonesToMatch.isEmpty {
            let byPhone = try await cachedContactsByPhone(phonesToMatch)
            for index in rows.indices {
                guard rows[index].action == .create || rows[index].action == .unknown, let phone = rows[index].upsert?.phone,
                    let match = byPhone[phone]
                else { continue }
                rows[index].action = .updateByPhone(match.id, match.email)
            }
        }

        // What earlier runs of this file did with the same rows.
        let states = try await outboxStates(idempotencyKeys: rows.compactMap(\.idempotencyKey))
        for index in rows.indices {
            guard let key = rows[index].idempotencyKey, let state = states[key] else { continue }
            switch state.state {
            case .done: rows[index].action = .appliedEarlier(created: state.answerStatus == 201)
            case .failed, .conflict: rows[index].action = .refusedEarlier(Self.refusal(state))
            case .pending, .sending: rows[index].action = .queuedEarlier
            }
        }
        return ImportPlan(
            file: file, mapping: mapping, batch: batch, rows: rows, lastCompleteSync: lastSync, fetchedDefinitions: fetched)
    }

    static func refusal(_ state: OutboxKeyState) -> String {
        "the server refused it" + (state.lastStatus.map { " (HTTP \($0))" } ?? "") + (state.lastError.map { ": \($0)" } ?? "")
    }

    /// The cached definitions, whatever their age (an import needs their types, not their
    /// freshness); empty when none were ever fetched.
    public func cachedFieldDefinitions() async throws -> [CustomFieldDefinition] {
        try await database.read { db in
            try Row.fetchAll(db, sql: "SELECT json FROM field_definition ORDER BY position").compactMap { row in
                try? CustomFieldDefinition.decode(JSONValue.parse(row["json"] as Data))
            }
        }
    }

    /// Every custom field key the cached contacts hold, as they spell it.
    func cachedCustomFieldKeys() async throws -> [String] {
        try await database.read { db in
            try String.fetchAll(
                db,
                sql: """
                    WITH m AS (SELECT rowid AS rid, CAST(json AS TEXT) AS t FROM contact WHERE deleted = 0),
                    p AS (SELECT rid, t, CASE WHEN coalesce(json_type(t, '$.custom_fields'), 'null') <> 'null'
                                              THEN '$.custom_fields' ELSE '$.customFields' END AS path FROM m)
                    SELECT j.key FROM p, json_each(p.t, p.path) j
                    WHERE json_type(p.t, p.path) = 'object'
                    GROUP BY j.key ORDER BY MIN(p.rid), j.key
                    """)
        }
    }

    /// Live cached contacts whose phone is one of `phones`: one pass over the cache.
    func cachedContactsByPhone(_ phones: Set<String>) async throws -> [String: (id: ContactID, email: String)] {
        try await database.read { db in
            var found: [String: (id: ContactID, email: String)] = [:]
            let rows = try Row.fetchAll(
                db,
                sql: """
                    SELECT contactID, emailKey, coalesce(json_extract(t, '$.phone'), json_extract(t, '$.phone_number'),
                                                         json_extract(t, '$.phoneNumber')) AS phone
                    FROM (SELECT contactID, emailKey, CAST(json AS TEXT) AS t FROM contact WHERE deleted = 0)
                    WHERE phone IS NOT NULL
                    """)
            for row in rows {
                guard let phone = row["phone"] as String?, phones.contains(phone), found[phone] == nil else { continue }
                found[phone] = (ContactID(row["contactID"] as String), row["emailKey"] ?? "")
            }
            return found
        }
    }
}

/// Reads one record's cells into an upsert, collecting every problem.
struct ImportRowBuilder {
    let record: ImportRecord
    let mapping: ImportMapping
    var problems: [ImportProblem] = []

    init(record: ImportRecord, mapping: ImportMapping) {
        self.record = record
        self.mapping = mapping
        if let problem = record.problem { problems.append(ImportProblem(column: nil, reason: problem)) }
    }

    /// The cell of `column` as text with an export's formula guard undone, or nil when empty
    /// (or absent); a JSON value is returned as `.json`.
    func cell(_ column: String) -> ImportValue? {
        switch record.values[column] {
        case nil: return nil
        case .text(let text)?: return text.isEmpty ? nil : .text(Self.unguarded(text))
        case .json(let value)?: return .json(value)
        }
    }

    /// `text` less one leading `'` when it is one or more `'` before `=`, `+`, `-`, `@`, tab or
    /// CR: the guard a spreadsheet-safe export puts in front of a would-be formula.
    static func unguarded(_ text: String) -> String {
        let scalars = text.unicodeScalars
        guard scalars.first == "'" else { return text }
        guard let next = scalars.first(where: { $0 != "'" }), "=+-@\t\r".unicodeScalars.contains(next) else { return text }
        return String(scalars.dropFirst())
    }

    mutating func email() -> String? {
        guard let column = mapping.emailColumn else { return nil }
        switch cell(column) {
        case nil:
            problems.append(ImportProblem(column: column, reason: "no email: an import matches contacts by email"))
            return nil
        case .json(let value)?:
            problems.append(ImportProblem(column: column, reason: "the email must be text, not \(value.jsonText)"))
            return nil
        case .text(let raw)?:
            let email = raw.trimmingCharacters(in: .whitespacesAndNewlines)
            guard ContactValidation.isValidEmail(email) else {
                problems.append(ImportProblem(column: column, reason: "'\(Self.shown(email))' is not a valid email address"))
                return nil
            }
            return email
        }
    }

    /// The upsert of this row: only the columns given (non-empty cells), custom field keys as
    /// `cached` spells them. Problems are collected, not thrown.
    mutating func upsert(email: String, cached: Contact?) -> ContactUpsert {
        var upsert = ContactUpsert(email: email)
        for (column, target) in mapping.columns {
            let value = cell(column)
            switch target {
            case .email, .ignored:
                continue
            case .phone:
                // `null` (the API's "no phone", in a JSON Lines export) changes nothing: an upsert
                // cannot remove a phone.
                guard let value, value != .json(.null) else { continue }
                guard case .text(let raw) = value else {
                    problems.append(ImportProblem(column: column, reason: "the phone must be text, as +393391234567"))
                    continue
                }
                let phone = raw.trimmingCharacters(in: .whitespacesAndNewlines)
                if ContactValidation.isValidPhone(phone) {
                    upsert.phone = phone
                } else {
                    problems.append(ImportProblem(
                        column: column,
                        reason: "'\(Self.shown(phone))' is not an E.164 phone number (+, country code, digits only, as +393391234567)"))
                }
            case .consentEmail, .consentWhatsApp:
                guard let value, value != .json(.null) else { continue }  // unknown: unchanged
                let flag: Bool?
                switch value {
                case .json(.bool(let bool)): flag = bool
                case .json(.int(let number)) where number == 0 || number == 1: flag = number == 1
                case .text(let raw):
                    switch raw.trimmingCharacters(in: .whitespaces).lowercased() {
                    case "on", "yes", "true", "1": flag = true
                    case "off", "no", "false", "0": flag = false
                    default: flag = nil
                    }
                default: flag = nil
                }
                guard let flag else {
                    problems.append(ImportProblem(
                        column: column, reason: "'\(Self.shown(value))' is not a consent: on, off, yes, no, true, false, 1 or 0"))
                    continue
                }
                if target == .consentEmail { upsert.marketingConsent.email = flag } else { upsert.marketingConsent.whatsapp = flag }
            case .customField(let field):
                let key = field.key(in: cached)
                guard let value else {
                    if mapping.unsetEmpty.contains(column) { upsert.customFields[key] = .null }
                    continue
                }
                switch Self.typed(value, field: field, current: cached?.customFields[key]) {
                case .success(let typed):
                    // A value the contact already holds exactly is no new control character (an
                    // export of such a contact imports back unchanged).
                    let held = cached?.customFields[key].map { Self.same($0, typed) } ?? false
                    if !held, let control = Self.firstControl(in: typed) {
                        problems.append(ImportProblem(
                            column: column,
                            reason: "holds the control character \(control) (terminal escapes and control characters other than tab and line breaks are not imported)"))
                    } else {
                        upsert.customFields[key] = typed
                    }
                case .failure(let error):
                    let type = field.definition.map { " (\($0.type) field)" } ?? ""
                    problems.append(ImportProblem(column: column, reason: "'\(Self.shown(value))'\(type): \(error.message)"))
                }
            }
        }
        return upsert
    }

    /// A cell as the field's value: `null` deletes; a definition's type reads text the way the
    /// TUI's editor does; a field with no definition takes the type of the value the contact
    /// holds (text when none), and a JSON value keeps its own type.
    static func typed(_ value: ImportValue, field: ImportField, current: JSONValue?) -> Result<JSONValue, FieldValueError> {
        switch value {
        case .json(.null):
            return .success(.null)
        case .json(let json):
            if field.definition == nil || field.definition?.type == .json { return .success(json) }
            return FieldValueParser.parse(json.jsonText, definition: field.definition, original: current)
        case .text(let text):
            if field.definition == nil, case .json = FieldValueParser.inferredType(current) {
                return FieldValueParser.parse(text, definition: CustomFieldDefinition(key: field.key, type: .json), original: current)
            }
            return FieldValueParser.parse(text, definition: field.definition, original: current)
        }
    }

    /// The first refused control character in a value's strings, named (`U+001B`), or nil.
    static func firstControl(in value: JSONValue) -> String? {
        switch value {
        case .string(let text):
            let scalars = Array(text.unicodeScalars)
            for (index, scalar) in scalars.enumerated() {
                let code = scalar.value
                if code == 0x09 || code == 0x0A { continue }
                if code == 0x0D, index + 1 < scalars.count, scalars[index + 1] == "\n" { continue }
                if code < 0x20 || code == 0x7F || (0x80...0x9F).contains(code) {
                    return String(format: "U+%04X", code) + (code == 0x1B ? " (ESC)" : code == 0x0D ? " (a lone CR)" : "")
                }
            }
            return nil
        case .array(let items):
            return items.lazy.compactMap(firstControl).first
        case .object(let members):
            return members.keys.sorted().lazy.compactMap { firstControl(in: .string($0)) ?? firstControl(in: members[$0]!) }.first
        default:
            return nil
        }
    }

    /// Whether `cached` already holds what `upsert` sets, column by column (numbers compared
    /// by value: `3` and `3.0` are equal; a deletion of an absent field changes nothing).
    func isUnchanged(_ upsert: ContactUpsert, on cached: Contact) -> Bool {
        if let phone = upsert.phone, phone != cached.phone { return false }
        if let email = upsert.marketingConsent.email, email != cached.marketingConsent?.email { return false }
        if let whatsapp = upsert.marketingConsent.whatsapp, whatsapp != cached.marketingConsent?.whatsapp { return false }
        for (key, value) in upsert.customFields {
            let current = cached.customFields[key] ?? .null
            if !Self.same(current, value) { return false }
        }
        return true
    }

    static func same(_ a: JSONValue, _ b: JSONValue) -> Bool {
        switch (a, b) {
        case (.int(let x), .double(let y)), (.double(let y), .int(let x)): return Double(x) == y
        case (.array(let x), .array(let y)): return x.count == y.count && zip(x, y).allSatisfy { same($0, $1) }
        case (.object(let x), .object(let y)):
            return x.count == y.count && x.allSatisfy { key, value in y[key].map { same(value, $0) } ?? false }
        default: return a == b
        }
    }

    /// A value as a reason quotes it: control characters escaped (the reasons go to a terminal
    /// and to the rejects file), cut when long.
    static func shown(_ value: ImportValue) -> String {
        switch value {
        case .text(let text): shown(text)
        case .json(let json): shown(json.jsonText)
        }
    }

    static func shown(_ text: String) -> String {
        var result = ""
        for scalar in text.unicodeScalars.prefix(80) {
            let code = scalar.value
            if code < 0x20 || code == 0x7F || (0x80...0x9F).contains(code) {
                result += String(format: "\\x%02X", code)
            } else {
                result.unicodeScalars.append(scalar)
            }
        }
        return text.unicodeScalars.count > 80 ? result + "…" : result
    }
}

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

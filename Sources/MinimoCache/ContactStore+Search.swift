import Foundation
import GRDB
import MinimoKit

/// Search of the cached contacts by email (exact, prefix, then anywhere), for the TUI's list.
extension ContactStore {
    /// Substring search over cached emails, in three tiers: the exact match, then addresses
    /// that start with the text (alphabetically), then the other matches (in the order they were
    /// cached). Each tier reads only as many rows as the page needs, through an index: the email
    /// index for the first two, the FTS5 trigram index for the third (a LIKE scan under three
    /// characters, which trigrams cannot match), so a query that matches every contact costs
    /// no more than a rare one; the third runs only when the first two leave the page short.
    public func search(_ text: String, limit: Int = 50, offset: Int = 0) async throws -> [ContactSummary] {
        let query = text.trimmingCharacters(in: .whitespaces).lowercased()
        let limit = max(0, limit)
        let offset = max(0, offset)
        return try await database.read { db in
            let columns = "c.rowid AS rid, c.contactID, c.json, c.fetchedAt, c.deleted, c.emailKey"
            let take = limit + offset
            var arguments: StatementArguments = ["q": query, "upper": query + "\u{10FFFF}", "take": take]
            // The exact match and the prefix matches first, through the email index.
            let leading = """
                SELECT * FROM (SELECT 0 AS tier, \(columns) FROM contact c WHERE c.emailKey = :q AND c.deleted = 0 LIMIT :take)
                UNION ALL
                SELECT * FROM (SELECT 1 AS tier, \(columns) FROM contact c
                               WHERE c.emailKey > :q AND c.emailKey < :upper AND c.deleted = 0 ORDER BY c.emailKey LIMIT :take)
                ORDER BY tier, emailKey LIMIT :take
                """
            var rows = try Row.fetchAll(db, sql: leading, arguments: arguments)
            // The other matches only when the page is not full yet. Skipping them is what keeps a
            // query such as "chiara." fast: thousands of addresses start with it, and the trigram
            // index would hand every one of them to the tier below only to be excluded (15 ms
            // at 100k contacts, for no row).
            if rows.count < take, !query.isEmpty {
                arguments += ["rest": take - rows.count]
                let substring: String
                if query.count >= 3 {
                    arguments += ["match": "\"" + query.replacingOccurrences(of: "\"", with: "\"\"") + "\""]
                    substring = """
                        SELECT 2 AS tier, \(columns) FROM contact_search s JOIN contact c ON c.rowid = s.rowid
                        WHERE contact_search MATCH :match AND c.deleted = 0 AND NOT (c.emailKey >= :q AND c.emailKey < :upper)
                        ORDER BY s.rowid LIMIT :rest
                        """
                } else {
                    arguments += ["anywhere": "%" + Self.likeEscaped(query) + "%"]
                    substring = """
                        SELECT 2 AS tier, \(columns) FROM contact c
                        WHERE c.emailKey LIKE :anywhere ESCAPE '\\' AND c.deleted = 0 AND NOT (c.emailKey >= :q AND c.emailKey < :upper)
                        ORDER BY c.rowid LIMIT :rest
                        """
                }
                rows += try Row.fetchAll(db, sql: substring, arguments: arguments)
            }
            return rows.dropFirst(offset).prefix(limit).compactMap { row -> ContactSummary? in
                guard let contact = try? Contact(json: JSONValue.parse(row["json"] as Data)) else { return nil }
                return ContactSummary(
                    id: contact.id, email: contact.email, phone: contact.phone,
                    fetchedAt: Date(timeIntervalSince1970: row["fetchedAt"]), deleted: row["deleted"], name: Self.displayName(of: contact),
                    status: contact.status, customFields: contact.customFields)
            }
        }
    }

    /// "Ada Lovelace": the contact's first and last name, or its FIRST_NAME and LAST_NAME custom
    /// fields (any spelling), nil when it has neither.
    static func displayName(of contact: Contact) -> String? {
        func field(_ key: String) -> String? {
            contact.customFields.first { $0.key.lowercased() == key }?.value.stringValue
        }
        let parts = [contact.firstName ?? field("first_name"), contact.lastName ?? field("last_name")].compactMap { $0 }
            .filter { !$0.isEmpty }
        return parts.isEmpty ? nil : parts.joined(separator: " ")
    }

    static func likeEscaped(_ text: String) -> String {
        text.replacingOccurrences(of: "\\", with: "\\\\").replacingOccurrences(of: "%", with: "\\%")
            .replacingOccurrences(of: "_", with: "\\_")
    }
}

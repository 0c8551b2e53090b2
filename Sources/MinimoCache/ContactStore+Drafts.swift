import Foundation
import GRDB
import MinimoKit

/// An unsaved edit kept for later: the TUI stores one when it quits (or moves to another
/// contact) with changes not yet reviewed, and offers it again when the contact is opened. A
/// draft is never sent by itself: only the person's `y` in the review sends it.
public struct ContactDraft: Sendable, Hashable {
    public var contactID: ContactID
    public var email: String?
    public var update: ContactUpdate
    public var savedAt: Date
}

extension ContactStore {
    public func keepDraft(contactID: ContactID, email: String?, update: ContactUpdate) async throws {
        let now = clock.now().timeIntervalSince1970
        try await database.write { db in
            if update.isEmpty {
                try db.execute(sql: "DELETE FROM draft WHERE contactID = ?", arguments: [contactID.rawValue])
            } else {
                try db.execute(
                    sql: "INSERT OR REPLACE INTO draft(contactID, email, body, savedAt) VALUES (?, ?, ?, ?)",
                    arguments: [contactID.rawValue, email, update.json.serialized(), now])
            }
        }
    }

    public func draft(contactID: ContactID) async throws -> ContactDraft? {
        try await drafts().first { $0.contactID == contactID }
    }

    /// Every kept draft, oldest first.
    public func drafts() async throws -> [ContactDraft] {
        try await database.read { db in
            try Row.fetchAll(db, sql: "SELECT contactID, email, body, savedAt FROM draft ORDER BY savedAt").compactMap { row in
                guard let body = try? JSONValue.parse(row["body"] as Data) else { return nil }
                return ContactDraft(
                    contactID: ContactID(row["contactID"] as String), email: row["email"], update: ContactUpdate(json: body),
                    savedAt: Date(timeIntervalSince1970: row["savedAt"]))
            }
        }
    }

    public func discardDraft(contactID: ContactID) async throws {
        try await database.write { db in
            try db.execute(sql: "DELETE FROM draft WHERE contactID = ?", arguments: [contactID.rawValue])
        }
    }
}

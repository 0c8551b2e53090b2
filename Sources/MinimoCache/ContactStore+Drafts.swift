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
        let draft = ContactDraft(contactID: contactID, email: email, update: update, savedAt: clock.now())
        try await database.write { db in
            if update.isEmpty {
                _ = try DraftRecord.deleteOne(db, key: contactID.rawValue)
            } else {
                try DraftRecord(draft).save(db)
            }
        }
    }

    public func draft(contactID: ContactID) async throws -> ContactDraft? {
        try await database.read { db in try DraftRecord.fetchOne(db, key: contactID.rawValue)?.draft }
    }

    /// Every kept draft, oldest first.
    public func drafts() async throws -> [ContactDraft] {
        try await database.read { db in
            try DraftRecord.order(DraftRecord.Columns.savedAt).fetchAll(db).compactMap(\.draft)
        }
    }

    public func discardDraft(contactID: ContactID) async throws {
        try await database.write { db in _ = try DraftRecord.deleteOne(db, key: contactID.rawValue) }
    }
}

import Foundation
import GRDB
import MinimoKit

/// An edit waiting to reach the server, stored before any request is made so that killing the
/// program at any moment loses nothing. Its idempotency key is fixed when it is queued and sent
/// with every attempt, so a retry after a crash cannot apply it twice.
public struct OutboxEntry: Sendable, Hashable, Identifiable {
    public enum Kind: String, Sendable, Hashable { case update, upsert, delete }

    public enum State: String, Sendable, Hashable, CaseIterable {
        /// Waiting to be sent (again, after a transient failure).
        case pending
        /// A request was started; after a crash it is sent again with the same key.
        case sending
        /// The server confirmed it.
        case done
        /// The server refused it (validation, 404...): kept with the error, not retried alone.
        case failed
        /// The server's values changed since the edit began: held, not sent.
        case conflict
    }

    public var seq: Int64
    public var kind: Kind
    public var contactID: ContactID?
    /// The contact's email when the edit was made (used to check for conflicts).
    public var email: String?
    /// The JSON body to send.
    public var body: JSONValue
    /// The values, before the edit, of the fields it touches (`customFields.plan`, `phone`...).
    public var base: [String: JSONValue]?
    public var idempotencyKey: String
    public var state: State
    public var attempts: Int
    public var lastError: String?
    public var lastStatus: Int?
    /// For a conflict: the server's current values of the fields that changed behind our back.
    public var serverValues: [String: JSONValue]?
    public var createdAt: Date
    public var updatedAt: Date

    public var id: Int64 { seq }
}

extension OutboxEntry: FetchableRecord {
    public init(row: Row) throws {
        func json(_ column: String) -> JSONValue? {
            (row[column] as Data?).flatMap { try? JSONValue.parse($0) }
        }
        seq = row["seq"]
        kind = Kind(rawValue: row["kind"]) ?? .update
        contactID = (row["contactID"] as String?).map { ContactID($0) }
        email = row["email"]
        body = json("body") ?? .object([:])
        base = json("base")?.objectValue
        idempotencyKey = row["idempotencyKey"]
        state = State(rawValue: row["state"]) ?? .pending
        attempts = row["attempts"]
        lastError = row["lastError"]
        lastStatus = row["lastStatus"]
        serverValues = json("serverValues")?.objectValue
        createdAt = Date(timeIntervalSince1970: row["createdAt"])
        updatedAt = Date(timeIntervalSince1970: row["updatedAt"])
    }
}

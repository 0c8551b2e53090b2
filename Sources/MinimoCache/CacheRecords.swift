import Foundation
import GRDB
import MinimoKit

/// A row of `draft`: an unsaved edit kept for later (see `ContactDraft`).
struct DraftRecord: Codable, FetchableRecord, PersistableRecord {
    static let databaseTableName = "draft"

    enum Columns {
        static let contactID = Column(CodingKeys.contactID)
        static let savedAt = Column(CodingKeys.savedAt)
    }

    var contactID: String
    var email: String?
    /// The update as the JSON it would send.
    var body: Data
    /// Seconds since 1970, as every date of the cache is stored.
    var savedAt: Double

    init(_ draft: ContactDraft) {
        contactID = draft.contactID.rawValue
        email = draft.email
        body = draft.update.json.serialized()
        savedAt = draft.savedAt.timeIntervalSince1970
    }

    /// Nil for a body that no longer reads (written by a newer minimo, or damaged).
    var draft: ContactDraft? {
        guard let json = try? JSONValue.parse(body) else { return nil }
        return ContactDraft(contactID: ContactID(contactID), email: email, update: ContactUpdate(json: json), savedAt: Date(timeIntervalSince1970: savedAt))
    }
}

/// A row of `exchange`: one request and its answer as the client recorded them (the key
/// already masked), whole in `json`, with the columns the request log and the raw view filter on.
struct ExchangeRecord: Codable, FetchableRecord, PersistableRecord {
    static let databaseTableName = "exchange"

    enum Columns {
        static let seq = Column(CodingKeys.seq)
        static let contactKey = Column(CodingKeys.contactKey)
    }

    var seq: Int64?
    var id: String
    var startedAt: Double
    var method: String
    var path: String
    var status: Int?
    /// `email:<address>` or `id:<id>`: the contact a request was about (see `contactKey(path:)`).
    var contactKey: String?
    var json: Data

    init(_ exchange: RawExchange, contactKey: String?, encoder: JSONEncoder) throws {
        id = exchange.id.uuidString
        startedAt = exchange.startedAt.timeIntervalSince1970
        method = exchange.method
        path = exchange.path
        status = exchange.status
        self.contactKey = contactKey
        json = try encoder.encode(exchange)
    }

    func exchange(_ decoder: JSONDecoder) -> RawExchange? { try? decoder.decode(RawExchange.self, from: json) }
}

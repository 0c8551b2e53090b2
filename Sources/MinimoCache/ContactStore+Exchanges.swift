import Foundation
import GRDB
import MinimoKit

/// Remembers which of the client's in-memory exchanges are already in the database.
final class PersistedExchanges: @unchecked Sendable {
    private let lock = NSLock()
    private var ids: Set<UUID> = []

    /// Returns the exchanges not seen before, and marks them seen.
    func takeNew(_ exchanges: [RawExchange]) -> [RawExchange] {
        lock.withLock {
            let fresh = exchanges.filter { !ids.contains($0.id) }
            ids.formUnion(fresh.map(\.id))
            if ids.count > 4096 { ids = Set(exchanges.map(\.id)) }
            return fresh
        }
    }
}

extension ContactStore {
    /// Copies the client's new raw exchanges (already masked by the client core) into the
    /// database, keeping the last `exchangeLimit`. Called after every operation, so even a
    /// short-lived CLI run leaves its exchanges behind for the raw view and the request log.
    func persistExchanges() async {
        let fresh = persisted.takeNew(await client.recorder.exchanges)
        guard !fresh.isEmpty else { return }
        let limit = exchangeLimit
        let encoder = JSONEncoder()
        try? await database.write { db in
            for exchange in fresh {
                let record = try ExchangeRecord(exchange, contactKey: Self.contactKey(path: exchange.path), encoder: encoder)
                try record.insert(db, onConflict: .ignore)
            }
            // The last `limit` stay.
            if let newest = try Int64.fetchOne(db, ExchangeRecord.select(max(ExchangeRecord.Columns.seq))) {
                try ExchangeRecord.filter(ExchangeRecord.Columns.seq <= newest - Int64(limit)).deleteAll(db)
            }
        }
    }

    /// The stored exchanges, oldest first; for one contact when `contact` is given (matched by
    /// its email lookups and by its id).
    public func exchanges(for contact: Contact? = nil, limit: Int = 500) async throws -> [RawExchange] {
        await persistExchanges()
        let decoder = JSONDecoder()
        return try await database.read { db in
            var request = ExchangeRecord.order(ExchangeRecord.Columns.seq.desc).limit(limit)
            if let contact {
                let keys = [contact.email.map { "email:" + Self.emailKey($0) }, "id:" + contact.id.rawValue].compactMap { $0 }
                request = request.filter(keys.contains(ExchangeRecord.Columns.contactKey))
            }
            return try request.fetchAll(db).reversed().compactMap { $0.exchange(decoder) }
        }
    }

    /// The newest stored exchange's id (after storing this process's new ones), nil when none
    /// is stored: a cheap look that tells whether the request log changed.
    public func newestExchangeID() async throws -> UUID? {
        await persistExchanges()
        return try await database.read { db in
            try String.fetchOne(db, ExchangeRecord.select(Column("id")).order(ExchangeRecord.Columns.seq.desc).limit(1))
                .flatMap(UUID.init(uuidString:))
        }
    }

    /// `email:<lowercased email>` for lookups by email, `id:<id>` for writes by id.
    static func contactKey(path: String) -> String? {
        let parts = path.split(separator: "/").map(String.init)
        guard let index = parts.lastIndex(of: "contacts") else { return nil }
        let rest = Array(parts[(index + 1)...])
        if rest.count == 2, rest[0] == "by-email" {
            return "email:" + emailKey(rest[1].removingPercentEncoding ?? rest[1])
        }
        if rest.count == 1 { return "id:" + (rest[0].removingPercentEncoding ?? rest[0]) }
        return nil
    }
}

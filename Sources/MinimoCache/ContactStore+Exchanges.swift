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
                try db.execute(
                    sql: """
                        INSERT OR IGNORE INTO exchange(id, startedAt, method, path, status, contactKey, json)
                        VALUES (?, ?, ?, ?, ?, ?, ?)
                        """,
                    arguments: [
                        exchange.id.uuidString, exchange.startedAt.timeIntervalSince1970, exchange.method, exchange.path,
                        exchange.status, Self.contactKey(path: exchange.path), try encoder.encode(exchange),
                    ])
            }
            try db.execute(
                sql: "DELETE FROM exchange WHERE seq <= (SELECT MAX(seq) FROM exchange) - ?", arguments: [limit])
        }
    }

    /// The stored exchanges, oldest first; for one contact when `contact` is given (matched by
    /// its email lookups and by its id).
    public func exchanges(for contact: Contact? = nil, limit: Int = 500) async throws -> [RawExchange] {
        await persistExchanges()
        let decoder = JSONDecoder()
        return try await database.read { db in
            let rows: [Row]
            if let contact {
                let keys = [contact.email.map { "email:" + Self.emailKey($0) }, "id:" + contact.id.rawValue].compactMap { $0 }
                rows = try Row.fetchAll(
                    db,
                    sql: "SELECT json FROM (SELECT seq, json FROM exchange WHERE contactKey IN (?, ?) ORDER BY seq DESC LIMIT ?) ORDER BY seq",
                    arguments: [keys[0], keys.count > 1 ? keys[1] : keys[0], limit])
            } else {
                rows = try Row.fetchAll(
                    db, sql: "SELECT json FROM (SELECT seq, json FROM exchange ORDER BY seq DESC LIMIT ?) ORDER BY seq",
                    arguments: [limit])
            }
            return rows.compactMap { try? decoder.decode(RawExchange.self, from: $0["json"] as Data) }
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

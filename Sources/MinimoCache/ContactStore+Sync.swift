import Foundation
import GRDB
import MinimoKit

/// Progress of a sync, reported after each page.
public struct SyncProgress: Sendable, Hashable {
    public var page: Int
    public var totalPages: Int?
    public var stored: Int
    public var total: Int?
}

/// What a sync did.
public struct SyncReport: Sendable, Hashable {
    /// List requests made by this run.
    public var requests = 0
    /// Contacts stored by this run.
    public var stored = 0
    /// The page this run started from (> 1 when it resumed an interrupted sync).
    public var startPage = 1
    public var completed = false
    /// False when the server has no listing (404/405): nothing to sync, not an error.
    public var listingAvailable = true
}

extension ContactStore {
    /// Pages the contact listing into the cache at `pageSize` (100, the maximum) at background
    /// priority, so the quota gate keeps its reserve for the person at the keyboard. Each page
    /// is stored together with the number of the next page, so an interrupted sync (Ctrl-C, a
    /// crash, a lost connection) resumes where it stopped; a completed one starts over.
    public func sync(
        pageSize: Int = 100, priority: RequestPriority = .background,
        progress: @Sendable (SyncProgress) -> Void = { _ in }
    ) async throws -> SyncReport {
        let now = clock.now().timeIntervalSince1970
        let startPage = try await database.write { db -> Int in
            if let row = try Row.fetchOne(db, sql: "SELECT nextPage, pageSize, completedAt FROM sync_state WHERE name = 'contacts'"),
                row["completedAt"] as Double? == nil, row["pageSize"] as Int == pageSize
            {
                return row["nextPage"]
            }
            try db.execute(
                sql: """
                    INSERT OR REPLACE INTO sync_state(name, nextPage, pageSize, total, stored, completedAt, startedAt)
                    VALUES ('contacts', 1, ?, NULL, 0, NULL, ?)
                    """, arguments: [pageSize, now])
            return 1
        }
        var report = SyncReport(startPage: startPage)
        var page = startPage
        while true {
            try Task.checkCancellation()
            let answer: ContactPage
            do {
                answer = try await client.listContacts(page: page, limit: pageSize, priority: priority).value
                report.requests += 1
            } catch let error as MinimoError where error.kind == .listingNotAvailable {
                report.requests += 1
                report.listingAvailable = false
                await persistExchanges()
                return report
            } catch {
                await persistExchanges()
                throw error
            }
            let fetchedAt = clock.now()
            let currentPage = page
            let stored = try await database.write { db -> Int in
                try Self.store(answer.contacts, fetchedAt: fetchedAt, in: db)
                try db.execute(
                    sql: """
                        UPDATE sync_state SET nextPage = ?, total = ?, stored = stored + ?, completedAt = ?
                        WHERE name = 'contacts'
                        """,
                    arguments: [
                        currentPage + 1, answer.total, answer.contacts.count,
                        answer.hasNext ? nil : fetchedAt.timeIntervalSince1970,
                    ])
                return try Int.fetchOne(db, sql: "SELECT stored FROM sync_state WHERE name = 'contacts'") ?? 0
            }
            report.stored += answer.contacts.count
            progress(SyncProgress(page: page, totalPages: answer.totalPages, stored: stored, total: answer.total))
            guard answer.hasNext else { break }
            page += 1
        }
        report.completed = true
        await persistExchanges()
        return report
    }
}

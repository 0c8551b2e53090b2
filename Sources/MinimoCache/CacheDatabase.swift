import Foundation
import GRDB
#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// The SQLite file of one profile: WAL mode, `synchronous=FULL` (an edit written to the outbox
/// must survive a power cut, not only a crash), files 0600, and the whole schema in one
/// migrator.
///
/// Several minimo processes share this file (the TUI, `minimo sync` from cron, scripts):
/// - Opening is serialised across processes by an exclusive `flock` on `<db>.lock` (0600), held
///   from the creation of the file through the switch to WAL and the migrations. GRDB's
///   migrator reads the applied migrations outside any transaction, so two processes opening a
///   new cache at once could both run "v1" ("table contact already exists") without it.
/// - Every connection waits up to `CacheError.lockWait` (30 s) for a lock held by another
///   process: `SQLITE_BUSY` means wait, never fail at once.
/// - Every write is an IMMEDIATE transaction (GRDB 7's `DatabasePool.write` begins
///   `BEGIN IMMEDIATE` on its writer connection), so the write lock is taken, with the busy
///   wait, before anything is read. A deferred transaction that read first and then wrote would
///   get `SQLITE_BUSY_SNAPSHOT` from the upgrade, which no busy handler can wait out. Do not add
///   `inTransaction(.deferred)` writes.
struct CacheDatabase: Sendable {
    let pool: DatabasePool
    let url: URL

    static func open(at url: URL) throws -> CacheDatabase {
        let directory = url.deletingLastPathComponent()
        do {
            try CacheLocation(directory: directory).prepare()
        } catch {
            throw CacheError(error, path: directory.path)
        }
        let lock = try OpenLock.acquire(path: url.path + ".lock", timeout: CacheError.lockWait)
        defer { lock.release() }
        do {
            // Create the file ourselves so it is never, even briefly, readable by others; under
            // the lock, and without replacing a file another process has just created.
            let fd = openPrivateFile(url.path)
            guard fd >= 0 else { throw CacheError.system(errno, doing: "cannot create the cache \(url.path)") }
            close(fd)
            var configuration = Configuration()
            configuration.label = "minimo.cache"
            configuration.busyMode = .timeout(CacheError.lockWait)
            configuration.prepareDatabase { db in
                // Readers too (GRDB gives its pool readers 10 s unless told): this runs on every
                // connection after GRDB has set its own busy handler, and replaces it.
                try db.execute(sql: "PRAGMA busy_timeout = \(Int(CacheError.lockWait * 1000))")
                try db.execute(sql: "PRAGMA synchronous = FULL")
            }
            let pool = try DatabasePool(path: url.path, configuration: configuration)
            // GRDB sets `synchronous = NORMAL` on the writer when it turns WAL on, after
            // `prepareDatabase`: set FULL again on the writer, the only connection that writes.
            try pool.writeWithoutTransaction { db in try db.execute(sql: "PRAGMA synchronous = FULL") }
            try migrator.migrate(pool)
            let database = CacheDatabase(pool: pool, url: url)
            database.tightenPermissions()
            return database
        } catch {
            throw CacheError(error, path: url.path)
        }
    }

    /// `pool.read`, with any database error turned into a `CacheError` that names its cause.
    func read<T: Sendable>(_ value: @Sendable (Database) throws -> T) async throws -> T {
        do { return try await pool.read(value) } catch let error as DatabaseError { throw CacheError(error, path: url.path) }
    }

    /// `pool.write` (an IMMEDIATE transaction), with any database error turned into a
    /// `CacheError` that names its cause. Errors thrown by `updates` itself pass unchanged.
    func write<T: Sendable>(_ updates: @Sendable (Database) throws -> T) async throws -> T {
        do { return try await pool.write(updates) } catch let error as DatabaseError { throw CacheError(error, path: url.path) }
    }

    /// `pool.writeWithoutTransaction`, errors as in `write`.
    func writeWithoutTransaction<T: Sendable>(_ updates: @Sendable (Database) throws -> T) async throws -> T {
        do {
            return try await pool.writeWithoutTransaction(updates)
        } catch let error as DatabaseError {
            throw CacheError(error, path: url.path)
        }
    }

    /// The database, its WAL and shared-memory files: 0600, whatever the umask made them.
    func tightenPermissions() {
        for suffix in ["", "-wal", "-shm"] {
            let path = url.path + suffix
            if FileManager.default.fileExists(atPath: path) {
                try? FileManager.default.setAttributes([.posixPermissions: 0o600], ofItemAtPath: path)
            }
        }
    }

    static var migrator: DatabaseMigrator {
        var migrator = DatabaseMigrator()
        migrator.registerMigration("v1") { db in
            // Contacts as the server last sent them (`json`), keyed by the server's id.
            try db.execute(sql: """
                CREATE TABLE contact (
                    rowid INTEGER PRIMARY KEY AUTOINCREMENT,
                    contactID TEXT NOT NULL UNIQUE,
                    emailKey TEXT,
                    json BLOB NOT NULL,
                    fetchedAt DOUBLE NOT NULL,
                    deleted BOOLEAN NOT NULL DEFAULT 0
                );
                CREATE INDEX contact_email ON contact(emailKey);
                CREATE VIRTUAL TABLE contact_search USING fts5(emailKey, content='contact', content_rowid='rowid', tokenize='trigram');
                CREATE TRIGGER contact_ai AFTER INSERT ON contact BEGIN
                    INSERT INTO contact_search(rowid, emailKey) VALUES (new.rowid, new.emailKey);
                END;
                CREATE TRIGGER contact_ad AFTER DELETE ON contact BEGIN
                    INSERT INTO contact_search(contact_search, rowid, emailKey) VALUES ('delete', old.rowid, old.emailKey);
                END;
                CREATE TRIGGER contact_au AFTER UPDATE OF emailKey ON contact BEGIN
                    INSERT INTO contact_search(contact_search, rowid, emailKey) VALUES ('delete', old.rowid, old.emailKey);
                    INSERT INTO contact_search(rowid, emailKey) VALUES (new.rowid, new.emailKey);
                END;
                """)
            // Emails the server said it does not know (negative cache).
            try db.execute(sql: """
                CREATE TABLE missing_email (emailKey TEXT PRIMARY KEY, checkedAt DOUBLE NOT NULL);
                CREATE TABLE field_definition (key TEXT PRIMARY KEY, position INTEGER NOT NULL, json BLOB NOT NULL, fetchedAt DOUBLE NOT NULL);
                CREATE TABLE outbox (
                    seq INTEGER PRIMARY KEY AUTOINCREMENT,
                    kind TEXT NOT NULL,
                    contactID TEXT,
                    email TEXT,
                    body BLOB NOT NULL,
                    base BLOB,
                    idempotencyKey TEXT NOT NULL UNIQUE,
                    state TEXT NOT NULL,
                    attempts INTEGER NOT NULL DEFAULT 0,
                    lastError TEXT,
                    lastStatus INTEGER,
                    serverValues BLOB,
                    createdAt DOUBLE NOT NULL,
                    updatedAt DOUBLE NOT NULL
                );
                CREATE INDEX outbox_state ON outbox(state, seq);
                CREATE TABLE exchange (
                    seq INTEGER PRIMARY KEY AUTOINCREMENT,
                    id TEXT NOT NULL UNIQUE,
                    startedAt DOUBLE NOT NULL,
                    method TEXT NOT NULL,
                    path TEXT NOT NULL,
                    status INTEGER,
                    contactKey TEXT,
                    json BLOB NOT NULL
                );
                CREATE INDEX exchange_contact ON exchange(contactKey, seq);
                CREATE TABLE sync_state (name TEXT PRIMARY KEY, nextPage INTEGER NOT NULL, pageSize INTEGER NOT NULL,
                                         total INTEGER, stored INTEGER NOT NULL DEFAULT 0, completedAt DOUBLE, startedAt DOUBLE NOT NULL);
                """)
        }
        migrator.registerMigration("v2-drafts") { db in
            // Unsaved edits kept when the TUI quits or moves to another contact: offered again for
            // review, never sent on their own.
            try db.execute(sql: """
                CREATE TABLE draft (contactID TEXT PRIMARY KEY, email TEXT, body BLOB NOT NULL, savedAt DOUBLE NOT NULL);
                """)
        }
        migrator.registerMigration("v3-claims") { db in
            // Outbox claims across processes (see `OutboxClaim`): who is sending an entry and
            // until when, and the server's answer once done, so that any process can report it.
            try db.execute(sql: """
                ALTER TABLE outbox ADD COLUMN claimPid INTEGER;
                ALTER TABLE outbox ADD COLUMN claimToken TEXT;
                ALTER TABLE outbox ADD COLUMN claimUntil DOUBLE;
                ALTER TABLE outbox ADD COLUMN answerStatus INTEGER;
                ALTER TABLE outbox ADD COLUMN answerBody BLOB;
                """)
        }
        migrator.registerMigration("v4-outbox-by-contact") { db in
            // The TUI's once-a-second look at the open contact's unsent entries, and the
            // per-contact order of the sender, read this index instead of every queued entry.
            try db.execute(sql: "CREATE INDEX outbox_contact ON outbox(contactID, state)")
        }
        migrator.registerMigration("v5-outbox-priority-batch") { db in
            // Bulk work (`minimo import`): each entry is sent at its own priority (an import's at
            // background, so the quota gate keeps the reserve for the person at the keyboard);
            // who queued it (a drain leaves a live process's background entries to it); and the
            // batch it belongs to (a drain can be limited to one batch, and its report read back).
            // Older entries were all interactive edits: the default says so.
            try db.execute(sql: """
                ALTER TABLE outbox ADD COLUMN priority TEXT NOT NULL DEFAULT 'interactive';
                ALTER TABLE outbox ADD COLUMN queuedByPid INTEGER;
                ALTER TABLE outbox ADD COLUMN queuedByToken TEXT;
                ALTER TABLE outbox ADD COLUMN batch TEXT;
                CREATE INDEX outbox_batch ON outbox(batch, state) WHERE batch IS NOT NULL;
                CREATE INDEX outbox_email ON outbox(lower(email));
                """)
        }
        return migrator
    }
}

/// An exclusive `flock` on a sidecar file: serialises opening and migrating one database across
/// processes (and across stores in one process: each acquisition opens its own descriptor).
/// The kernel drops it when the process dies, so a crash while opening blocks nobody.
struct OpenLock {
    let fd: Int32

    static func acquire(path: String, timeout: TimeInterval) throws -> OpenLock {
        let fd = openPrivateFile(path)
        guard fd >= 0 else { throw CacheError.system(errno, doing: "cannot open the cache's lock file \(path)") }
        _ = fchmod(fd, 0o600)
        let deadline = Date().addingTimeInterval(timeout)
        var pause: UInt32 = 500
        while flock(fd, LOCK_EX | LOCK_NB) != 0 {
            let code = errno
            if code == EINTR { continue }
            guard code == EWOULDBLOCK || code == EAGAIN else {
                close(fd)
                throw CacheError.system(code, doing: "cannot lock the cache's lock file \(path)")
            }
            guard Date() < deadline else {
                close(fd)
                throw CacheError(
                    .busy,
                    "another minimo process has been opening the cache for more than \(Int(timeout)) s (it holds \(path)); try again when it has finished")
            }
            usleep(pause)  // ok: waiting for another process's lock, with backoff
            pause = min(pause * 2, 20_000)
        }
        return OpenLock(fd: fd)
    }

    func release() {
        _ = flock(fd, LOCK_UN)
        close(fd)
    }
}

/// Opens (creating if needed, 0600 before the umask) a file for reading and writing; -1 and
/// `errno` on failure. Never replaces an existing file.
private func openPrivateFile(_ path: String) -> Int32 {
    #if canImport(Glibc)
    Glibc.open(path, O_RDWR | O_CREAT | O_CLOEXEC, 0o600)
    #else
    Darwin.open(path, O_RDWR | O_CREAT | O_CLOEXEC, 0o600)
    #endif
}

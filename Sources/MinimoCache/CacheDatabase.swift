import Foundation
import GRDB

/// The SQLite file of one profile: WAL mode, `synchronous=FULL` (an edit written to the outbox
/// must survive a power cut, not only a crash), files 0600, and the whole schema in one
/// migrator.
struct CacheDatabase: Sendable {
    let pool: DatabasePool
    let url: URL

    static func open(at url: URL) throws -> CacheDatabase {
        try CacheLocation(directory: url.deletingLastPathComponent()).prepare()
        // Create the file ourselves so it is never, even briefly, readable by others.
        if !FileManager.default.fileExists(atPath: url.path) {
            FileManager.default.createFile(atPath: url.path, contents: nil, attributes: [.posixPermissions: 0o600])
        }
        var configuration = Configuration()
        configuration.label = "minimo.cache"
        configuration.busyMode = .timeout(10)
        configuration.prepareDatabase { db in
            try db.execute(sql: "PRAGMA synchronous = FULL")
        }
        let pool = try DatabasePool(path: url.path, configuration: configuration)
        try migrator.migrate(pool)
        let database = CacheDatabase(pool: pool, url: url)
        database.tightenPermissions()
        return database
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
        return migrator
    }
}

import Crypto
import Foundation

#if canImport(Glibc)
    import Glibc
#elseif canImport(Darwin)
    import Darwin
#endif

/// The quota book of one API key, shared by every minimo process that uses the key (DESIGN §10).
///
/// A small file (at most 2 KiB) of fixed layout, read and written whole under `flock`: one
/// reservation is a lock, a `pread`, a `pwrite` and an unlock, a few microseconds, where a
/// SQLite transaction with `synchronous=FULL` costs an fsync (see the README, "Several processes
/// at once"). Nothing in it needs to survive a power cut: the next answer's headers rebuild the
/// figures, and leases expire. The file is created 0600 and names the host and a hash of the
/// key, never the key.
public final class QuotaLedgerFile: Sendable {
    public let path: String
    private let descriptor: Int32

    /// Opens (creating if needed) the ledger at `path`. The directory must exist.
    public init(path: String) throws {
        let descriptor = open(path, O_RDWR | O_CREAT | O_CLOEXEC, 0o600)
        guard descriptor >= 0 else {
            throw MinimoError(.localFile, message: "cannot open the shared quota ledger \(path): \(String(cString: strerror(errno)))")
        }
        // Whatever the umask made it: the file says how busy the key is, and nothing else
        // should write to it.
        _ = fchmod(descriptor, 0o600)
        self.path = path
        self.descriptor = descriptor
    }

    deinit { close(descriptor) }

    /// The ledger's file name for a key at a host: `quota-HOST[-PORT]-HASH.ledger`, HASH being
    /// the first 16 bytes of SHA-256 over the key (in hex). Two profiles holding the same key
    /// share it; the key itself is never written anywhere.
    public static func fileName(baseURL: URL, apiKey: String) -> String {
        let host = (baseURL.host ?? "unknown").lowercased().map { $0.isLetter || $0.isNumber || $0 == "." || $0 == "-" ? $0 : "_" }
        let port = baseURL.port.map { "-\($0)" } ?? ""
        let digest = SHA256.hash(data: Data(("minimo quota ledger\u{0}" + apiKey).utf8))
        let hash = digest.prefix(16).map { String(format: "%02x", $0) }.joined()
        return "quota-\(String(host))\(port)-\(hash).ledger"
    }

    /// Runs `body` on the book with the file locked exclusively, then writes the book back if it
    /// changed. Every process's reservation goes through here, so none can overspend the key.
    func update<T>(_ body: (inout QuotaBook) -> T) -> T {
        lock(LOCK_EX)
        defer { lock(LOCK_UN) }
        var book = readUnlocked()
        let before = book
        let result = body(&book)
        if book != before { writeUnlocked(book) }
        return result
    }

    /// The book as it stands (shared lock: never a half-written record).
    func read() -> QuotaBook {
        lock(LOCK_SH)
        defer { lock(LOCK_UN) }
        return readUnlocked()
    }

    private func lock(_ operation: Int32) {
        while flock(descriptor, operation) != 0, errno == EINTR {}
    }

    private func readUnlocked() -> QuotaBook {
        withUnsafeTemporaryAllocation(byteCount: QuotaBook.maxFileSize, alignment: 8) { buffer in
            let count = pread(descriptor, buffer.baseAddress, QuotaBook.maxFileSize, 0)
            guard count > 0 else { return QuotaBook() }
            return QuotaBook(decoding: UnsafeRawBufferPointer(rebasing: buffer[0..<count]))
        }
    }

    private func writeUnlocked(_ book: QuotaBook) {
        let bytes = book.encoded()
        // A failed write (a full disk) loses nothing but this update: the book in memory made
        // the decision, and the next answer's headers correct the file.
        _ = bytes.withUnsafeBytes { pwrite(descriptor, $0.baseAddress, $0.count, 0) }
    }
}

/// What a shared ledger holds, for `minimo quota`: the figures, a 429's hold and the requests in
/// flight, each with its process and whether that process still runs.
public struct QuotaLedgerReading: Sendable {
    public struct Reservation: Sendable {
        public var pid: Int32
        public var priority: RequestPriority
        public var expiresAt: Date
        public var processIsAlive: Bool
        /// A request whose answer never came, counted until it can no longer land (no process
        /// holds it: see `QuotaBook.strayPID`).
        public var isUnanswered: Bool { pid == QuotaBook.strayPID }
    }

    public var snapshot: QuotaSnapshot?
    public var blockedUntil: Date?
    public var reservations: [Reservation]
}

extension QuotaLedgerFile {
    /// The ledger as it stands, read under a shared lock (nothing is changed or reclaimed).
    public func reading() -> QuotaLedgerReading {
        let book = read()
        return QuotaLedgerReading(
            snapshot: book.snapshot, blockedUntil: book.blockedUntil,
            reservations: book.leases.map { lease in
                .init(
                    pid: lease.pid, priority: lease.priority, expiresAt: Date(timeIntervalSince1970: lease.expiresAt),
                    processIsAlive: QuotaBook.processIsAlive(lease.pid))
            })
    }
}

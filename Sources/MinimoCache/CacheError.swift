import Foundation
import GRDB

/// A problem with the local cache (the SQLite file of a profile, its lock file, its directory),
/// with a kind and a sentence that names the cause. Nobody should ever read "SQLite error 5" or
/// "unknown error": every error the cache layer lets out is one of these, and its `message` is
/// what the CLI and the TUI show.
public struct CacheError: Error, Sendable, CustomStringConvertible, Hashable {
    public enum Kind: Sendable, Hashable {
        /// Another process held the database (or its open lock) for longer than we wait.
        case busy
        /// The file or its directory cannot be opened, created or written by this user.
        case permission
        /// The file is read-only.
        case readOnly
        /// The file is damaged, or is not an SQLite database at all.
        case damaged
        /// The disk is full.
        case diskFull
        /// The operating system reported an I/O error.
        case io
        /// Anything else SQLite refused; the message quotes SQLite.
        case other
    }

    public var kind: Kind
    /// A whole sentence, naming the file when it is known.
    public var message: String

    public init(_ kind: Kind, _ message: String) {
        self.kind = kind
        self.message = message
    }

    public var description: String { message }

    /// Seconds every connection waits for a lock held by another process before giving up
    /// (`SQLITE_BUSY` means wait, never fail at once).
    public static let lockWait: TimeInterval = 30

    /// `error` as a cache error: itself when it already is one, a sentence built from SQLite's
    /// result code for a GRDB `DatabaseError`, and a sentence naming the file for any other
    /// error from the file system. `path` names the database in the sentence.
    public init(_ error: any Error, path: String? = nil) {
        if let error = error as? CacheError {
            self = error
            return
        }
        let file = path.map { "the cache \($0)" } ?? "the local cache"
        if let error = error as? DatabaseError {
            let sqlite = "SQLite: \(error.message ?? "error \(error.resultCode.rawValue)")"
            switch error.resultCode {
            case .SQLITE_BUSY, .SQLITE_LOCKED:
                self.init(
                    .busy,
                    "\(file) is locked by another process (\(sqlite)); minimo waits up to \(Int(Self.lockWait)) s for such a lock, so that process may be stuck: try again when it has finished")
            case .SQLITE_CORRUPT, .SQLITE_NOTADB:
                self.init(
                    .damaged,
                    "\(file) is damaged or is not a minimo cache (\(sqlite)); move the file aside and minimo will start a new one (unsent edits in it would be lost)")
            case .SQLITE_READONLY:
                self.init(.readOnly, "\(file) is read-only (\(sqlite)); check the owner and permissions of the file and its directory")
            case .SQLITE_CANTOPEN, .SQLITE_PERM, .SQLITE_AUTH:
                self.init(
                    .permission,
                    "cannot open \(file) (\(sqlite)); check that its directory exists and that this user owns it")
            case .SQLITE_FULL:
                self.init(.diskFull, "the disk holding \(file) is full (\(sqlite))")
            case .SQLITE_IOERR:
                self.init(.io, "a disk error while using \(file) (\(sqlite), code \(error.extendedResultCode.rawValue))")
            default:
                self.init(.other, "\(file) refused an operation (\(sqlite), code \(error.extendedResultCode.rawValue))")
            }
            return
        }
        let nsError = error as NSError
        if nsError.domain == NSPOSIXErrorDomain, let code = POSIXErrorCode(rawValue: Int32(nsError.code)) {
            self.init(Self.kind(posix: code.rawValue), "cannot use \(file): \(String(cString: strerror(code.rawValue)))")
        } else if let posix = (nsError.userInfo[NSUnderlyingErrorKey] as? NSError), posix.domain == NSPOSIXErrorDomain {
            self.init(Self.kind(posix: Int32(posix.code)), "cannot use \(file): \(String(cString: strerror(Int32(posix.code))))")
        } else {
            self.init(.other, "cannot use \(file): \(nsError.localizedDescription)")
        }
    }

    /// A sentence for an `errno` from a system call on `path` (the lock file, the directory).
    static func system(_ code: Int32, doing action: String) -> CacheError {
        CacheError(kind(posix: code), "\(action): \(String(cString: strerror(code)))")
    }

    static func kind(posix code: Int32) -> Kind {
        switch code {
        case EACCES, EPERM: .permission
        case EROFS: .readOnly
        case ENOSPC, EDQUOT: .diskFull
        case EIO: .io
        case EAGAIN: .busy
        default: .other
        }
    }

    /// A sentence for any error a `ContactStore` lets out: the cache's own sentence for a cache
    /// or database error, else the error's description (a `MinimoError` already names its cause).
    public static func sentence(for error: any Error, path: String? = nil) -> String {
        if error is CacheError || error is DatabaseError { return CacheError(error, path: path).message }
        if error is CancellationError { return "cancelled" }
        return String(describing: error)
    }
}

/// A write asked of a read-only profile (`readonly = true` in its config, or `--readonly`):
/// refused before the outbox, so nothing is queued and nothing is sent.
public struct ReadOnlyProfile: Error, Sendable, CustomStringConvertible {
    public var message: String {
        "this profile is read-only (readonly = true in its config, or --readonly): nothing was queued or sent"
    }
    public var description: String { message }
    public init() {}
}

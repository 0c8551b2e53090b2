import Foundation
import Logging

/// `--debug` while the TUI owns the terminal: log lines go to a file (mode 0600, next to the
/// cache) instead of stderr, where they would be drawn over the panes. The client never logs
/// the key; the file is private all the same.
struct FileLogHandler: LogHandler {
    let label: String
    let handle: FileHandle
    var logLevel: Logger.Level = .debug
    var metadata: Logger.Metadata = [:]

    /// Opens (appending) or creates `path` with mode 0600.
    static func open(_ path: String) throws -> FileHandle {
        let descriptor = Foundation.open(path, O_WRONLY | O_CREAT | O_APPEND | O_CLOEXEC, 0o600)
        guard descriptor >= 0 else { throw CLIError(.failure, "cannot open the debug log \(path): \(String(cString: strerror(errno)))") }
        return FileHandle(fileDescriptor: descriptor, closeOnDealloc: true)
    }

    subscript(metadataKey key: String) -> Logger.Metadata.Value? {
        get { metadata[key] }
        set { metadata[key] = newValue }
    }

    func log(event: LogEvent) {
        let stamp = ISO8601DateFormatter().string(from: Date())
        handle.write(Data("\(stamp) \(event.level) \(label): \(event.message)\n".utf8))
    }
}

#if canImport(Glibc)
    import Glibc
#elseif canImport(Darwin)
    import Darwin
#endif

/// Milestones of a start, for `scripts/bench-tui`'s breakdown of the time to the first frame.
///
/// With `MINIMO_TRACE_STARTUP=FILE` in the environment, each `mark` appends `NAME NANOSECONDS`
/// (CLOCK_MONOTONIC, the clock Python's `time.monotonic_ns` reads) to FILE; the benchmark sets
/// them beside the moment it launched the process. Without it a mark costs one branch. Names
/// are fixed strings of our own: nothing of the user's, never a key, goes in the file.
public enum StartupTrace {
    private static let descriptor: Int32 = {
        guard let path = getenv("MINIMO_TRACE_STARTUP") else { return -1 }
        return open(path, O_WRONLY | O_APPEND | O_CREAT | O_CLOEXEC, 0o600)
    }()

    public static func mark(_ name: StaticString) {
        guard descriptor >= 0 else { return }
        var now = timespec()
        clock_gettime(CLOCK_MONOTONIC, &now)
        let line = "\(name) \(Int64(now.tv_sec) * 1_000_000_000 + Int64(now.tv_nsec))\n"
        _ = line.utf8CString.withUnsafeBufferPointer { write(descriptor, $0.baseAddress, $0.count - 1) }
    }
}

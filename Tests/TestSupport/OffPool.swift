import Foundation

/// Runs blocking work (reading a child's pipe to its end, waiting for a child to exit) on a
/// thread of its own, and awaits its result.
///
/// Never `DispatchQueue.global().async` for this: on Linux, Swift's global concurrent executor
/// runs its jobs on the same Dispatch root queue, whose pool grows by about one thread a second
/// once every thread is blocked. A suite that parked a dozen waits there starved the in-process
/// sandbox: its handlers could not run, the children waiting on it could not exit, and the
/// whole suite stood still for 20–30 s with the CPU idle (seen with gdb: every
/// `com.apple.root.default-qos` thread in `read`, none free). A test then failed with "no
/// answer from 127.0.0.1 within 10 s".
public enum OffPool {
    public static func run<T: Sendable>(_ work: @escaping @Sendable () -> T) async -> T {
        await withCheckedContinuation { continuation in
            let thread = Thread { continuation.resume(returning: work()) }
            thread.stackSize = 1 << 20
            thread.start()
        }
    }
}

/// Runs a copied curl command with `sh -c`, the key in the environment as a user would export
/// it, and returns (status, body): curl prints the status on a line of its own after the body.
public enum CurlCommandRunner {
    public static func run(_ command: String, key: String) async throws -> (status: Int, body: Data) {
        let process = Process()
        process.executableURL = URL(fileURLWithPath: "/bin/sh")
        process.arguments = ["-c", command + " -w '\\n%{http_code}'"]
        process.environment = ["PATH": "/usr/bin:/bin", "MINIMO_API_KEY": key]
        let out = Pipe()
        process.standardOutput = out
        try process.run()
        let data = await OffPool.run { out.fileHandleForReading.readDataToEndOfFile() }
        await OffPool.run { process.waitUntilExit() }
        let text = String(decoding: data, as: UTF8.self)
        guard let newline = text.lastIndex(of: "\n") else { return (-1, data) }
        return (Int(text[text.index(after: newline)...]) ?? -1, Data(text[..<newline].utf8))
    }
}

import Foundation
import MinimoSandbox
import MinimoTestSupport
import Testing

/// Runs the real `minimo` binary (built next to the test bundle) as a child process.
struct CLIRun {
    var status: Int32
    var stdout: String
    var stderr: String
}

enum CLI {
    static var binary: URL {
        let bundleDirectory = URL(fileURLWithPath: CommandLine.arguments[0]).deletingLastPathComponent()
        var candidates = [bundleDirectory.appendingPathComponent("minimo")]
        // The xctest bundle may be a directory nested one level deeper on some layouts.
        candidates.append(bundleDirectory.deletingLastPathComponent().appendingPathComponent("minimo"))
        return candidates.first { FileManager.default.isExecutableFile(atPath: $0.path) } ?? candidates[0]
    }

    /// Runs `minimo ARGS` with a clean environment (no real key or profile leaks in). The reads
    /// and the wait block threads of their own (`OffPool`), never the pool the in-process
    /// sandbox needs to answer the child.
    static func run(
        _ arguments: [String], environment: [String: String] = [:], home: URL? = nil, executable: String = "minimo"
    ) async throws -> CLIRun {
        let process = Process()
        // A bare name is a sibling of the test binary (minimo, minimo-soak); a path is used as is.
        process.executableURL = executable.hasPrefix("/")
            ? URL(fileURLWithPath: executable) : binary.deletingLastPathComponent().appendingPathComponent(executable)
        process.arguments = arguments
        let homeDirectory = home ?? FileManager.default.temporaryDirectory.appendingPathComponent("minimo-cli-home-\(UUID())")
        var env = ["PATH": "/usr/bin:/bin", "HOME": homeDirectory.path, "LANG": "C.UTF-8"]
        env.merge(environment) { _, new in new }
        process.environment = env
        let out = Pipe()
        let err = Pipe()
        process.standardOutput = out
        process.standardError = err
        process.standardInput = FileHandle.nullDevice
        try process.run()
        // Read both pipes at once so a chatty child cannot block on a full pipe.
        async let errData = OffPool.run { err.fileHandleForReading.readDataToEndOfFile() }
        let outData = await OffPool.run { out.fileHandleForReading.readDataToEndOfFile() }
        let stderr = await errData
        await OffPool.run { process.waitUntilExit() }
        return CLIRun(
            status: process.terminationStatus, stdout: String(decoding: outData, as: UTF8.self),
            stderr: String(decoding: stderr, as: UTF8.self))
    }
}

/// A sandbox for one test, stopped afterwards.
func withSandbox<T>(
    _ configure: (inout SandboxConfiguration) -> Void = { _ in }, _ body: (URL) async throws -> T
) async throws -> T {
    var configuration = SandboxConfiguration()
    configuration.contactCount = 20
    configure(&configuration)
    let server = SandboxServer(configuration: configuration)
    let url = try await server.start()
    do {
        let result = try await body(url)
        await server.stop()
        return result
    } catch {
        await server.stop()
        throw error
    }
}

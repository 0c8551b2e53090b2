import ArgumentParser
import Foundation
import MinimoCache
import MinimoKit
import MinimoSandbox

#if canImport(Glibc)
    import Glibc
#endif

@main
struct SoakCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "minimo-soak",
        abstract: "Fault soak: the real client, cache and outbox against the sandbox, with faults and kills.",
        subcommands: [SoakRun.self, SoakWorker.self], defaultSubcommand: SoakRun.self)
}

/// The parent: a sandbox and a fault proxy in this process, a worker process performing the
/// plan through them, killed with SIGKILL every `--kill-every` operations and started again
/// where it left off. At the end, faults off, one last worker sends what is queued; then the
/// sandbox's state is compared with the model, each saved edit is traced to the writes the
/// sandbox applied, and the cache gets `PRAGMA integrity_check`. Exit status 1 when an edit
/// was lost or applied twice, the state differs, or the database is damaged.
struct SoakRun: AsyncParsableCommand {
    static let configuration = CommandConfiguration(commandName: "run", abstract: "Run the soak and print its report.")
    static let apiKey = "mn-soak-0123456789abcdef"

    @Option(help: "Operations in the plan.") var operations = 10_000
    @Option(help: "Kill the worker (SIGKILL) after this many operations of each run.") var killEvery = 500
    @Option(help: "Seed of the plan, the sandbox's data and every fault.") var seed: UInt64 = 1
    @Option(help: "Contacts the sandbox starts with.") var contacts = 40
    @Option(help: "Client timeout per request, in seconds (slow answers take twice as long).") var timeout = 0.4
    @Option(help: "Directory for the plan, the cache and the worker log (default: a new temporary one).") var directory: String?
    @Flag(help: "Keep the directory afterwards.") var keep = false
    @Option(help: "Run this process and its workers at this nice level (0...19), to leave the CPU to other work.")
    var nice: Int32 = 0

    func validate() throws {
        guard operations > 0 else { throw ValidationError("--operations must be at least 1") }
        guard killEvery > 0 else { throw ValidationError("--kill-every must be at least 1") }
        guard timeout > 0 else { throw ValidationError("--timeout must be more than 0") }
        guard (0...19).contains(nice) else { throw ValidationError("--nice must be between 0 and 19") }
    }

    func run() async throws {
        // Workers inherit it.
        if nice > 0 { _ = setpriority(__priority_which_t(PRIO_PROCESS.rawValue), 0, nice) }
        let folder = directory.map { URL(fileURLWithPath: $0) }
            ?? FileManager.default.temporaryDirectory.appendingPathComponent("minimo-soak-\(UUID().uuidString.prefix(8))")
        try FileManager.default.createDirectory(at: folder, withIntermediateDirectories: true)
        defer { if !keep && directory == nil { try? FileManager.default.removeItem(at: folder) } }
        let started = Date()

        let server = SandboxServer(configuration: SandboxConfiguration(
            contactCount: contacts, randomSeed: seed, rateLimit: RateLimitRule(limit: 1_000_000, window: .seconds(60))))
        let sandboxURL = try await server.start()
        let proxy = try FaultProxy(upstreamPort: sandboxURL.port ?? 0, seed: seed)
        proxy.start()
        let direct = try MinimoClient(configuration: MinimoConfiguration(baseURL: sandboxURL, apiKey: Self.apiKey, timeout: 30))

        var model = SoakModel(contacts: try await Self.listAll(direct))
        let plan = SoakPlan.generate(count: operations, seed: seed, model: &model)
        try plan.save(folder.appendingPathComponent("plan.json"))

        // The faults: sandbox 10% 500/503, 10% 429, 3% HTML pages, 2.5% malformed 200s, 5% answers
        // slower than the client waits; proxy 2% requests and 3% answers reset, 2.5% answers cut.
        let slowMilliseconds = Int(timeout * 2000)
        _ = try await Self.control(sandboxURL, "PUT", "/__sandbox/fault-rates", body: """
            {"errorRate":0.10,"rateLimitedRate":0.10,"rateLimitedRetryAfter":0,"htmlRate":0.03,"malformedRate":0.025,\
            "slowRate":0.05,"slowMilliseconds":\(slowMilliseconds)}
            """)
        proxy.setRates(FaultProxy.Rates(dropRequest: 0.02, dropAnswer: 0.03, truncateAnswer: 0.025))

        let executable = URL(fileURLWithPath: "/proc/self/exe").resolvingSymlinksInPath()
        let log = folder.appendingPathComponent("worker.log")
        FileManager.default.createFile(atPath: log.path, contents: nil)
        let common = ["--base-url", "http://127.0.0.1:\(proxy.port)", "--directory", folder.path, "--timeout", "\(timeout)"]
        var random = SoakRandom(seed: seed ^ 0x4B49_4C4C)
        var next = 0
        var kills = 0
        var runs = 0
        var failures = 0
        var tally: [String: Int] = [:]
        while next < operations {
            let segment = await WorkerProcess.run(
                executable: executable, arguments: ["worker", "--from", "\(next)"] + common, log: log,
                killAfter: killEvery, killDelayMicroseconds: UInt32(random.int(below: 20_000)))
            runs += 1
            tally.merge(segment.tally) { $0 + $1 }
            if segment.killed { kills += 1 }
            let progressed = segment.lastDone.map { $0 + 1 > next } ?? false
            if let last = segment.lastDone { next = max(next, last + 1) }
            if !segment.killed && !segment.finished {
                failures += 1
                FileHandle.standardError.write(Data("worker stopped by itself (status \(segment.status)); log: \(log.path)\n".utf8))
                if !progressed && failures >= 3 {
                    throw SoakError("the worker fails without progress at operation \(next); see \(log.path)")
                }
            }
        }
        let planDone = Date()

        // Faults off; one last worker sends whatever is still queued.
        _ = try await Self.control(sandboxURL, "PUT", "/__sandbox/fault-rates", body: """
            {"errorRate":0,"rateLimitedRate":0,"htmlRate":0,"malformedRate":0,"slowRate":0}
            """)
        proxy.setRates(FaultProxy.Rates())
        let drained = await WorkerProcess.run(
            executable: executable, arguments: ["worker", "--drain"] + common, log: log, killAfter: nil, killDelayMicroseconds: 0)
        tally.merge(drained.tally) { $0 + $1 }

        let store = try ContactStore(client: direct, databaseURL: folder.appendingPathComponent("cache.sqlite"))
        let verdict = SoakVerdict(
            plan: plan, model: model, entries: try await store.outbox(states: Set(OutboxEntry.State.allCases)),
            applied: try await Self.control(sandboxURL, "GET", "/__sandbox/applied")["writes"]?.arrayValue ?? [],
            final: try await Self.listAll(direct), integrity: try await store.integrityCheck())
        let stats = try await Self.control(sandboxURL, "GET", "/__sandbox/stats")
        await server.stop()

        let report = SoakReport(
            operations: operations, seed: seed, killEvery: killEvery, kills: kills, runs: runs, workerFailures: failures,
            plan: plan, tally: tally, sandboxStats: stats, proxy: proxy.snapshot, verdict: verdict,
            planSeconds: planDone.timeIntervalSince(started), totalSeconds: Date().timeIntervalSince(started), timeout: timeout)
        print(report.text)
        if keep || directory != nil { print("soak directory: \(folder.path)") }
        if !verdict.passed { throw ExitCode(1) }
    }

    /// Every live contact, page by page (straight to the sandbox, no faults).
    static func listAll(_ client: MinimoClient) async throws -> [Contact] {
        var contacts: [Contact] = []
        var page = 1
        while true {
            let answer = try await client.listContacts(page: page, limit: 100).value
            contacts += answer.contacts
            guard answer.hasNext else { return contacts }
            page += 1
        }
    }

    /// A sandbox control request; the answer parsed.
    static func control(_ base: URL, _ method: String, _ path: String, body: String? = nil) async throws -> JSONValue {
        let response = try await AsyncHTTPClientTransport().execute(
            TransportRequest(
                method: method, url: base.absoluteString + path, headers: [HTTPHeader("Content-Type", "application/json")],
                body: body.map { Data($0.utf8) }),
            timeout: 30)
        guard (200..<300).contains(response.status) else {
            throw SoakError("\(method) \(path): HTTP \(response.status) \(String(decoding: response.body, as: UTF8.self))")
        }
        return try JSONValue.parse(response.body)
    }
}

/// One run of the worker process, watched from a thread of its own (its pipe is read with
/// blocking calls, never on Swift's cooperative pool, which the in-process sandbox needs).
struct WorkerProcess: Sendable {
    var lastDone: Int?
    var killed = false
    var finished = false
    var status: Int32 = 0
    var tally: [String: Int] = [:]

    static func run(
        executable: URL, arguments: [String], log: URL, killAfter: Int?, killDelayMicroseconds: UInt32
    ) async -> WorkerProcess {
        await withCheckedContinuation { continuation in
            Thread {
                continuation.resume(returning: runBlocking(
                    executable: executable, arguments: arguments, log: log, killAfter: killAfter, killDelayMicroseconds: killDelayMicroseconds))
            }.start()
        }
    }

    private static func runBlocking(
        executable: URL, arguments: [String], log: URL, killAfter: Int?, killDelayMicroseconds: UInt32
    ) -> WorkerProcess {
        var result = WorkerProcess()
        let process = Process()
        process.executableURL = executable
        process.arguments = arguments
        let output = Pipe()
        process.standardOutput = output
        process.standardInput = FileHandle.nullDevice
        if let logHandle = FileHandle(forWritingAtPath: log.path) {
            logHandle.seekToEndOfFile()
            process.standardError = logHandle
        }
        do { try process.run() } catch {
            result.status = -1
            return result
        }
        let reader = output.fileHandleForReading
        var buffer: [UInt8] = []
        var done = 0
        while true {
            let chunk = reader.availableData
            if chunk.isEmpty { break }
            buffer += chunk
            while let newline = buffer.firstIndex(of: 10) {
                let line = String(decoding: buffer[..<newline], as: UTF8.self)
                buffer.removeSubrange(...newline)
                let words = line.split(separator: " ", maxSplits: 2)
                switch words.first {
                case "done":
                    if words.count > 1, let index = Int(words[1]) { result.lastDone = index }
                    if words.count > 2 { result.tally = parseTally(String(words[2])) }
                    done += 1
                case "drained":
                    if words.count > 2 { result.tally = parseTally(String(words[2])) }
                    result.finished = true
                case "finished":
                    result.finished = true
                default:
                    break
                }
                if let killAfter, done >= killAfter, !result.killed {
                    // Somewhere inside the next operation: queueing, sending, or between.
                    usleep(killDelayMicroseconds)
                    kill(process.processIdentifier, SIGKILL)
                    result.killed = true
                }
            }
        }
        process.waitUntilExit()
        result.status = process.terminationStatus
        return result
    }

    private static func parseTally(_ text: String) -> [String: Int] {
        guard let object = (try? JSONValue.parse(Data(text.utf8)))?.objectValue else { return [:] }
        return object.compactMapValues { $0.intValue.map(Int.init) }
    }
}

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

/// The parent: a sandbox and a fault proxy in this process, and `--workers` worker processes
/// performing the plan through them on one cache database and one quota ledger (see `SoakPlan`
/// for how the plan is split), each killed with SIGKILL every `--kill-every` of its operations
/// and started again where it left off. The sandbox's rate limit (`--rate-limit`) is low enough
/// that the workers together spend windows, so the shared quota gate has to hold them back. At
/// the end, faults off, one drainer per worker sends what is queued; then the sandbox's state is
/// compared with the model, each saved edit is traced to the writes the sandbox applied, the 429s
/// are sorted into injected ones and those of a spent window, and the cache gets
/// `PRAGMA integrity_check`. Exit status 1 when an edit was lost, applied twice, refused or
/// held, the state differs, the database is damaged, or a request reached a spent window.
struct SoakRun: AsyncParsableCommand {
    static let configuration = CommandConfiguration(commandName: "run", abstract: "Run the soak and print its report.")
    static let apiKey = "mn-soak-0123456789abcdef"
    /// The harness's own reads (the initial and final listings) use another key, with its own
    /// window, so they never touch the workers' quota.
    static let harnessKey = "mn-soakharness-0123456789abcdef"

    @Option(help: "Operations in the plan (all workers together).") var operations = 10_000
    @Option(help: "Worker processes sharing the cache database and the quota ledger.") var workers = 1
    @Option(help: "Kill each worker (SIGKILL) after this many of its operations in each run.") var killEvery = 500
    @Option(help: "Seed of the plan, the sandbox's data and every fault.") var seed: UInt64 = 1
    @Option(help: "Contacts the sandbox starts with.") var contacts = 40
    @Option(help: "Client timeout per request, in seconds (slow answers take twice as long).") var timeout = 0.4
    @Option(help: "The sandbox's rate limit for the workers' key, LIMIT/WINDOW.") var rateLimit = "80/2s"
    @Option(help: "Directory for the plan, the cache, the ledger and the worker log (default: a new temporary one).")
    var directory: String?
    @Flag(help: "Keep the directory afterwards.") var keep = false
    @Flag(help: "Workers append every attempt to trace.log in the directory (times, status, quota headers).") var trace = false
    @Option(help: "Run this process and its workers at this nice level (0...19), to leave the CPU to other work.")
    var nice: Int32 = 0

    func validate() throws {
        guard operations > 0 else { throw ValidationError("--operations must be at least 1") }
        guard (1...16).contains(workers) else { throw ValidationError("--workers must be between 1 and 16") }
        guard killEvery > 0 else { throw ValidationError("--kill-every must be at least 1") }
        guard timeout > 0 else { throw ValidationError("--timeout must be more than 0") }
        guard (0...19).contains(nice) else { throw ValidationError("--nice must be between 0 and 19") }
        do { _ = try RateLimitRule(parsing: rateLimit) } catch { throw ValidationError("--rate-limit: \(error)") }
    }

    func run() async throws {
        // Workers inherit it.
        if nice > 0 { _ = setpriority(__priority_which_t(PRIO_PROCESS.rawValue), 0, nice) }
        let folder = directory.map { URL(fileURLWithPath: $0) }
            ?? FileManager.default.temporaryDirectory.appendingPathComponent("minimo-soak-\(UUID().uuidString.prefix(8))")
        try FileManager.default.createDirectory(at: folder, withIntermediateDirectories: true)
        defer { if !keep && directory == nil { try? FileManager.default.removeItem(at: folder) } }
        let started = Date()

        let rule = try RateLimitRule(parsing: rateLimit)
        let server = SandboxServer(configuration: SandboxConfiguration(contactCount: contacts, randomSeed: seed, rateLimit: rule))
        let sandboxURL = try await server.start()
        let proxy = try FaultProxy(upstreamPort: sandboxURL.port ?? 0, seed: seed)
        proxy.start()
        let direct = try MinimoClient(configuration: MinimoConfiguration(baseURL: sandboxURL, apiKey: Self.harnessKey, timeout: 30))

        var model = SoakModel(contacts: try await Self.listAll(direct), workers: workers)
        let plan = SoakPlan.generate(count: operations, seed: seed, workers: workers, model: &model)
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
        _ = FileManager.default.createFile(atPath: log.path, contents: nil)
        let common = ["--base-url", "http://127.0.0.1:\(proxy.port)", "--directory", folder.path, "--timeout", "\(timeout)"]
            + (trace ? ["--trace"] : [])
        let killEvery = self.killEvery
        let seed = self.seed
        let runs = try await withThrowingTaskGroup(of: WorkerRuns.self) { group in
            for worker in 0..<workers {
                let indices = plan.indices(of: worker)
                group.addTask {
                    try await WorkerRuns.supervise(
                        worker: worker, indices: indices, executable: executable, common: common, log: log, killEvery: killEvery,
                        seed: seed)
                }
            }
            var all = WorkerRuns()
            for try await runs in group { all.add(runs) }
            return all
        }
        var tally = runs.tally
        let planDone = Date()

        // Faults off; one drainer per worker sends whatever is still queued (taking over what
        // killed workers held).
        _ = try await Self.control(sandboxURL, "PUT", "/__sandbox/fault-rates", body: """
            {"errorRate":0,"rateLimitedRate":0,"htmlRate":0,"malformedRate":0,"slowRate":0}
            """)
        proxy.setRates(FaultProxy.Rates())
        let drains = await withTaskGroup(of: WorkerProcess.self) { group in
            for _ in 0..<workers {
                group.addTask {
                    await WorkerProcess.run(
                        executable: executable, arguments: ["worker", "--drain"] + common, log: log, killAfter: nil, killDelayMicroseconds: 0)
                }
            }
            var all: [WorkerProcess] = []
            for await drained in group { all.append(drained) }
            return all
        }
        for drained in drains { tally.merge(drained.tally) { $0 + $1 } }
        // The workers' requests are all in: the figures, before the harness's own reads.
        let stats = try await Self.control(sandboxURL, "GET", "/__sandbox/stats")
        let applied = try await Self.control(sandboxURL, "GET", "/__sandbox/applied")["writes"]?.arrayValue ?? []

        let store = try ContactStore(client: direct, databaseURL: folder.appendingPathComponent("cache.sqlite"))
        let final = try await Self.listAll(direct)
        let verdict = SoakVerdict(
            plan: plan, model: model, entries: try await store.outbox(states: Set(OutboxEntry.State.allCases)),
            applied: applied, final: final, integrity: try await store.integrityCheck(),
            windowRateLimited: Int(stats["receivedWhileExhausted"]?.intValue ?? 0))
        await server.stop()

        let report = SoakReport(
            operations: operations, workers: workers, seed: seed, killEvery: killEvery, rateLimit: rule, runs: runs,
            plan: plan, tally: tally, sandboxStats: stats, proxy: proxy.snapshot, verdict: verdict,
            planSeconds: planDone.timeIntervalSince(started), totalSeconds: Date().timeIntervalSince(started), timeout: timeout)
        print(report.text)
        if keep || directory != nil {
            // For a look afterwards: the report with every mismatch, and what the sandbox held.
            let details = report.text + "\n" + verdict.mismatches.joined(separator: "\n") + "\n" + verdict.outOfOrder.joined(separator: "\n")
            try? Data(details.utf8).write(to: folder.appendingPathComponent("report.txt"))
            try? JSONValue.array(applied).serialized().write(to: folder.appendingPathComponent("applied.json"))
            try? JSONValue.array(final.map { JSONValue.object($0.fields) }).serialized().write(to: folder.appendingPathComponent("final.json"))
            print("soak directory: \(folder.path)")
        }
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

/// The runs of the worker processes: one worker's, or all of them added up.
struct WorkerRuns: Sendable {
    var runs = 0
    var kills = 0
    /// Runs that ended by themselves, neither killed nor finished (an error; see `worker.log`).
    var failures = 0
    var tally: [String: Int] = [:]

    mutating func add(_ other: WorkerRuns) {
        runs += other.runs
        kills += other.kills
        failures += other.failures
        tally.merge(other.tally) { $0 + $1 }
    }

    /// Runs worker `worker` until it has done its operations (`indices`, in plan order), killing
    /// it every `killEvery` operations, 0 to 20 ms after it said it had done the last of them.
    static func supervise(
        worker: Int, indices: [Int], executable: URL, common: [String], log: URL, killEvery: Int, seed: UInt64
    ) async throws -> WorkerRuns {
        var result = WorkerRuns()
        guard let first = indices.first, let last = indices.last else { return result }
        // Worker 0 draws the offsets a lone worker always drew.
        var random = SoakRandom(seed: seed ^ 0x4B49_4C4C ^ (UInt64(worker) << 40))
        var next = first
        while next <= last {
            // A run with no more than `killEvery` operations left is let finish: a kill after
            // the last operation would interrupt nothing.
            let left = indices.count - (indices.firstIndex { $0 >= next } ?? indices.count)
            let segment = await WorkerProcess.run(
                executable: executable, arguments: ["worker", "--worker", "\(worker)", "--from", "\(next)"] + common, log: log,
                killAfter: left > killEvery ? killEvery : nil, killDelayMicroseconds: UInt32(random.int(below: 20_000)))
            result.runs += 1
            result.tally.merge(segment.tally) { $0 + $1 }
            if segment.killed { result.kills += 1 }
            let progressed = segment.lastDone.map { $0 + 1 > next } ?? false
            if let done = segment.lastDone { next = max(next, done + 1) }
            if segment.finished { break }
            if !segment.killed {
                result.failures += 1
                FileHandle.standardError.write(
                    Data("worker \(worker) stopped by itself (status \(segment.status)); log: \(log.path)\n".utf8))
                if !progressed && result.failures >= 3 {
                    throw SoakError("worker \(worker) fails without progress at operation \(next); see \(log.path)")
                }
            }
        }
        return result
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
        // O_APPEND: the workers running at once all write to the one log.
        let logDescriptor = open(log.path, O_WRONLY | O_APPEND | O_CLOEXEC)
        if logDescriptor >= 0 { process.standardError = FileHandle(fileDescriptor: logDescriptor, closeOnDealloc: true) }
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

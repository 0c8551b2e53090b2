import Foundation
import MinimoSandbox
import Testing

@testable import MinimoKit
import MinimoTestSupport

/// Several real `minimo` processes on one key and one cache directory, against a real sandbox
/// over HTTP (DESIGN §10): the shared quota ledger, outbox claims, and opening a cache at once.
/// Every wait is on a condition, never a fixed sleep. The tests run one at a time: each already
/// runs several processes at once, and a starved in-process sandbox would answer late enough to
/// set off the clients' timeouts (and their retries), which these tests count.
@Suite(.serialized) struct MultiProcessTests {
    let key = "mn-test-multi-0123456789abcdef"

    static func temporaryDirectory(_ label: String) throws -> URL {
        let directory = FileManager.default.temporaryDirectory.appendingPathComponent("minimo-\(label)-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: directory, withIntermediateDirectories: true)
        return directory
    }

    func env(_ url: URL, cache: URL) -> [String: String] {
        ["MINIMO_BASE_URL": url.absoluteString, "MINIMO_API_KEY": key, "MINIMO_CACHE_DIR": cache.path]
    }

    static func call(_ method: String, _ url: URL, _ path: String, body: JSONValue? = nil) async throws -> JSONValue {
        let response = try await AsyncHTTPClientTransport().execute(
            TransportRequest(
                method: method, url: url.absoluteString + path, headers: [HTTPHeader("Content-Type", "application/json")],
                body: body?.serialized()),
            timeout: 60)
        return try JSONValue.parse(response.body)
    }

    static func stats(_ url: URL) async throws -> JSONValue { try await call("GET", url, "/__sandbox/stats") }

    static func count429(_ stats: JSONValue) -> Int64 { stats["requests"]?["byStatus"]?["429"]?.intValue ?? 0 }

    /// Polls `condition` every 20 ms until it holds, failing after `timeout` seconds.
    static func waitFor(_ what: String, timeout: Double = 60, _ condition: () async throws -> Bool) async throws {
        try await Poll.until(what, timeout: timeout, condition)
    }

    @Test func processesOpeningAFreshCacheAtTheSameMomentAllSucceed() async throws {
        // Nothing listens on port 9: these commands read the cache only.
        let url = URL(string: "http://127.0.0.1:9")!
        var failures: [String] = []
        for round in 0..<20 {
            let cache = try Self.temporaryDirectory("open-race")
            let runs = try await withThrowingTaskGroup(of: CLIRun.self) { group in
                for _ in 0..<4 {
                    group.addTask { try await CLI.run(["outbox", "list"], environment: env(url, cache: cache)) }
                }
                return try await group.reduce(into: [CLIRun]()) { $0.append($1) }
            }
            for run in runs where run.status != 0 || !run.stdout.contains("outbox empty") {
                failures.append("round \(round): exit \(run.status): \(run.stderr)")
            }
        }
        #expect(failures.isEmpty, "\(failures)")
    }

    @Test func fortyFiveUpdatesFromThreeProcessesAreEachAppliedOnce() async throws {
        try await withSandbox { url in
            let cache = try Self.temporaryDirectory("updates")
            let environment = env(url, cache: cache)
            // Three shells, each a loop of 15 `contacts update` of its own contact, side by side.
            let runs = try await withThrowingTaskGroup(of: [CLIRun].self) { group in
                for shell in 0..<3 {
                    group.addTask {
                        var runs: [CLIRun] = []
                        for step in 0..<15 {
                            runs.append(
                                try await CLI.run(
                                    ["contacts", "update", String(shell + 2), "--field", "step=\(step)", "--timeout", "60"], environment: environment))
                        }
                        return runs
                    }
                }
                return try await group.reduce(into: [CLIRun]()) { $0 += $1 }
            }
            #expect(runs.count == 45)
            for run in runs {
                #expect(run.status == 0, "exit \(run.status): \(run.stderr)")
                #expect(!run.stderr.contains("unknown error"))
            }
            let stats = try await Self.stats(url)
            #expect(stats["writesApplied"]?.intValue == 45)
            #expect(stats["idempotentReplays"]?.intValue == 0)
            let outbox = try await CLI.run(["outbox", "list"], environment: environment)
            #expect(outbox.stdout.contains("outbox empty"), "\(outbox.stdout)")
        }
    }

    @Test(arguments: [false, true])
    func thirtyFreshLookupsFromThreeProcessesOnOneKeyGetNo429(twoProfiles: Bool) async throws {
        try await withSandbox({ $0.rateLimit = RateLimitRule(limit: 12, window: .seconds(10)) }) { url in
            let cache = try Self.temporaryDirectory("lookups")
            let config = cache.appendingPathComponent("config.toml")
            // Two profiles holding the same key: the ledger is the key's, not the profile's.
            try """
                [profiles.first]
                base_url = "\(url.absoluteString)"
                [profiles.second]
                base_url = "\(url.absoluteString)"
                """.write(to: config, atomically: true, encoding: .utf8)
            var profileEnvironment = env(url, cache: cache)
            profileEnvironment["MINIMO_BASE_URL"] = nil
            let environment = profileEnvironment
            let runs = try await withThrowingTaskGroup(of: [CLIRun].self) { group in
                for shell in 0..<3 {
                    let profile = twoProfiles && shell == 2 ? "second" : "first"
                    group.addTask {
                        var runs: [CLIRun] = []
                        for _ in 0..<10 {
                            runs.append(
                                try await CLI.run(
                                    ["contacts", "get", "customer@example.com", "--fresh", "--config", config.path, "--profile", profile],
                                    environment: environment))
                        }
                        return runs
                    }
                }
                return try await group.reduce(into: [CLIRun]()) { $0 += $1 }
            }
            for run in runs { #expect(run.status == 0, "exit \(run.status): \(run.stderr)") }
            let stats = try await Self.stats(url)
            #expect(Self.count429(stats) == 0)
            #expect(stats["receivedWhileExhausted"]?.intValue == 0)
            #expect(stats["requests"]?["total"]?.intValue == 30)
            let databases = try FileManager.default.contentsOfDirectory(atPath: cache.path).filter { $0.hasSuffix(".sqlite") }
            #expect(databases.count == (twoProfiles ? 2 : 1))
            let ledgers = try FileManager.default.contentsOfDirectory(atPath: cache.path).filter { $0.hasSuffix(".ledger") }
            #expect(ledgers.count == 1)
        }
    }
}

/// A `minimo` process left running (a sync, a command caught mid-request), its output in files.
final class SpawnedMinimo: @unchecked Sendable {
    let process = Process()
    let output: URL

    init(_ arguments: [String], environment: [String: String]) throws {
        output = FileManager.default.temporaryDirectory.appendingPathComponent("minimo-spawned-\(UUID().uuidString)")
        _ = FileManager.default.createFile(atPath: output.path + ".out", contents: nil)
        _ = FileManager.default.createFile(atPath: output.path + ".err", contents: nil)
        process.executableURL = CLI.binary
        process.arguments = arguments
        var env = ["PATH": "/usr/bin:/bin", "HOME": output.path + "-home", "LANG": "C.UTF-8"]
        env.merge(environment) { _, new in new }
        process.environment = env
        process.standardOutput = try FileHandle(forWritingTo: URL(fileURLWithPath: output.path + ".out"))
        process.standardError = try FileHandle(forWritingTo: URL(fileURLWithPath: output.path + ".err"))
        process.standardInput = FileHandle.nullDevice
        try process.run()
    }

    var pid: Int32 { process.processIdentifier }
    var stderr: String { (try? String(contentsOfFile: output.path + ".err", encoding: .utf8)) ?? "" }

    /// SIGKILL, then waits until the process is gone and reaped (on a thread of its own, never on
    /// the pool the in-process sandbox needs).
    func kill() async {
        _ = Foundation.kill(pid, SIGKILL)
        await OffPool.run { [process] in process.waitUntilExit() }
    }
}

extension MultiProcessTests {
    func ledger(_ url: URL, cache: URL) throws -> QuotaLedgerFile {
        try QuotaLedgerFile(path: cache.appendingPathComponent(QuotaLedgerFile.fileName(baseURL: url, apiKey: key)).path)
    }

    @Test func interactiveLookupsAreServedFromTheReserveWhileASyncInAnotherProcessHolds() async throws {
        try await withSandbox({
            $0.contactCount = 2000
            $0.rateLimit = RateLimitRule(limit: 20, window: .seconds(60))
        }) { url in
            let cache = try Self.temporaryDirectory("sync-reserve")
            let environment = env(url, cache: cache)
            let sync = try SpawnedMinimo(["sync"], environment: environment)
            // Background work leaves 20% (4 of 20): the sync spends 16, then holds for the reset.
            try await Self.waitFor("the sync to spend its share") {
                try await Self.stats(url)["requests"]?["total"]?.intValue ?? 0 >= 16
            }
            var waits: [Double] = []
            for lookup in 0..<3 {
                let started = Date()
                let run = try await CLI.run(["contacts", "get", "customer@example.com", "--fresh"], environment: environment)
                waits.append(Date().timeIntervalSince(started))
                #expect(run.status == 0, "\(run.stderr)")
                // Served in the sync's window, from the reserve: 4 left before, then 3, 2, 1.
                #expect(run.stderr.contains("quota \(3 - lookup)/20"), "\(run.stderr)")
            }
            let stats = try await Self.stats(url)
            // The sync is still held: nothing but the three lookups went out after its 16.
            #expect(stats["requests"]?["total"]?.intValue == 19)
            #expect(Self.count429(stats) == 0)
            #expect(stats["receivedWhileExhausted"]?.intValue == 0)
            #expect(sync.process.isRunning, "\(sync.stderr)")
            await sync.kill()
            print(String(format: "multi-process: lookups beside a held sync took %@ s (whole processes)",
                         waits.map { String(format: "%.3f", $0) }.joined(separator: ", ")))
        }
    }

    @Test func aProcessKilledHoldingAClaimAndAReservationLosesNothingAndSendsNothingTwice() async throws {
        try await withSandbox({ $0.rateLimit = RateLimitRule(limit: 2, window: .seconds(60)) }) { url in
            let cache = try Self.temporaryDirectory("killed-claim")
            let environment = env(url, cache: cache)
            // Every answer held back 20 s: the update is in flight when its process dies. The
            // sandbox applies a write before it holds the answer back (and the test waits for
            // that answer to be dropped when it stops the sandbox).
            _ = try await Self.call("PUT", url, "/__sandbox/fault-rates", body: ["slowRate": 1, "slowMilliseconds": 20_000])
            let victim = try SpawnedMinimo(["contacts", "update", "3", "--field", "plan=killed", "--raw", "--timeout", "60"], environment: environment)
            let ledger = try ledger(url, cache: cache)
            try await Self.waitFor("the update to be in flight") {
                let applied = try await Self.stats(url)["writesApplied"]?.intValue == 1
                return applied && ledger.read().leases.contains { $0.pid == victim.pid }
            }
            let listed = try await CLI.run(["outbox", "list"], environment: environment)
            #expect(listed.stdout.contains("sending"), "\(listed.stdout)")
            #expect(listed.stdout.contains(String(victim.pid)), "\(listed.stdout)")
            let quota = try await CLI.run(["quota"], environment: environment)
            #expect(quota.stdout.contains("in flight: pid \(victim.pid) (running), interactive"), "\(quota.stdout)")
            await victim.kill()
            _ = try await Self.call("PUT", url, "/__sandbox/fault-rates", body: ["slowRate": 0])

            // Another process takes the entry over at once (its claimant is gone) and sends it
            // again under the same key; the dead process's reservation does not hold it back
            // (the quota is unknown to the ledger, so a leaked lease would block the probe).
            let retry = try await CLI.run(["outbox", "retry"], environment: environment)
            #expect(retry.status == 0, "\(retry.stdout)\(retry.stderr)")
            let stats = try await Self.stats(url)
            #expect(stats["writesApplied"]?.intValue == 1)
            #expect(stats["idempotentReplays"]?.intValue == 1)
            #expect(Self.count429(stats) == 0)
            let applied = try await Self.call("GET", url, "/__sandbox/applied")
            #expect(applied["total"]?.intValue == 1, "\(applied)")
            let outbox = try await CLI.run(["outbox", "list"], environment: environment)
            #expect(outbox.stdout.contains("outbox empty"), "\(outbox.stdout)")
            let after = try await CLI.run(["quota"], environment: environment)
            #expect(!after.stdout.contains("in flight: pid"), "\(after.stdout)")
            let book = ledger.read()
            #expect(book.liveCount == 0, "at most the dead process's request, as a stray: \(book.leases)")
            #expect(book.snapshot?.remaining == 0)
        }
    }
}

import Foundation
import Testing

/// The fault soak at CI size: 900 operations split between 3 worker processes on one cache
/// database and one quota ledger (as several `minimo` processes on one profile), through the
/// real client, cache and outbox, with every fault type injected, each worker SIGKILLed every 100
/// of its operations, and the sandbox's rate limit (80 per 2 s) low enough that the workers
/// together spend windows, so the shared quota gate has to hold them back. The full run is
/// 10,000 operations with a kill every 500: see the README. The harness exits 1 on any lost edit,
/// write applied twice, refused or held edit, write of a contact applied out of order, state
/// mismatch, damaged database, or request that reached a spent window; the test also reads the
/// report, so a soak that injected nothing, or killed nothing, cannot pass.
@Suite(.serialized) struct SoakTests {
    /// Runs the soak; returns the report, the run and the directory (removed by the caller).
    private func soak(_ arguments: [String]) async throws -> (report: String, run: CLIRun, directory: URL) {
        let directory = FileManager.default.temporaryDirectory.appendingPathComponent("minimo-soak-test-\(UUID())")
        let run = try await CLI.run(
            ["run"] + arguments + ["--timeout", "0.3", "--directory", directory.path,
             // Below the end-to-end tests that run beside it, whose screens wait on a busy CPU.
             "--nice", "10"],
            executable: "minimo-soak")
        return (run.stdout, run, directory)
    }

    /// The first number after `label` on its line of `report`.
    private func figure(_ label: String, in report: String) -> Int? {
        guard let line = report.split(separator: "\n").first(where: { $0.contains(label) }),
            let range = line.range(of: label)
        else { return nil }
        return line[range.upperBound...].split(separator: " ").first { $0.allSatisfy(\.isNumber) }.flatMap { Int($0) }
    }

    /// `a / b / c` after `label`, as numbers.
    private func figures(_ label: String, in report: String) -> [Int] {
        guard let line = report.split(separator: "\n").first(where: { $0.contains(label) }), let range = line.range(of: label) else {
            return []
        }
        return line[range.upperBound...].split(separator: "/").compactMap { Int($0.trimmingCharacters(in: .whitespaces)) }
    }

    /// Everything but the quota: nothing lost, nothing applied twice, nothing refused, held,
    /// left queued or reordered, the state as the model says, the database sound.
    private func expectEditsIntact(_ report: String) {
        #expect(figure("LOST EDITS", in: report) == 0, "\(report)")
        #expect(figure("WRITES APPLIED TWICE", in: report) == 0, "\(report)")
        #expect(figure("still queued", in: report) == 0, "\(report)")
        #expect(figures("refused / held as conflicts", in: report) == [0, 0], "\(report)")
        #expect(figure("writes of a contact applied out of order", in: report) == 0, "\(report)")
        #expect(figure("state mismatches", in: report) == 0, "\(report)")
        #expect(!report.contains("outbox entries not matching their operation"), "\(report)")
        #expect(report.contains("SQLite integrity_check                       ok"), "\(report)")
        let saved = figure("saved (queued in the outbox)", in: report) ?? -1
        #expect(report.contains("\(saved) of \(saved) writes in the plan"), "\(report)")
    }

    @Test func threeWorkersOnOneProfileUnderFaultsAndKillsLoseNothingApplyNothingTwiceAndKeepTheQuota() async throws {
        let (report, run, directory) = try await soak([
            "--operations", "900", "--workers", "3", "--kill-every", "100", "--seed", "11", "--rate-limit", "80/2s",
        ])
        defer { try? FileManager.default.removeItem(at: directory) }
        expectEditsIntact(report)

        // Every 429 the sandbox answered because the window was spent is one the shared gate
        // should have held back (the injected ones say `Retry-After: 0` and are counted apart).
        let spentWindow429s = try #require(figure("sandbox: 429 FROM A SPENT WINDOW", in: report), "\(report)")
        // This soak found two ways the gate let requests into a spent window (a 429 with a short
        // Retry-After taken for the window's reset; a lost answer not counted as spent): fixed.
        #expect(spentWindow429s == 0, "\(report)")
        #expect(run.status == 0, "\(report)\n\(run.stderr)")
        #expect(report.contains(spentWindow429s == 0 ? "\nPASS\n" : "\nFAIL\n"), "\(report)")

        // It really was a soak: 3 workers each killed at least twice, none stopping by itself,
        // every fault type seen, windows spent (the gate had to hold everyone), edits traced.
        let runs = figures("worker runs / kills / stopped by themselves", in: report)
        #expect(runs.count == 3 && runs[1] >= 6 && runs[0] == runs[1] + 3 && runs[2] == 0, "\(report)")
        for fault in [
            "500/503 with a JSON error", "429 (quota left, Retry-After: 0)", "no answer within the timeout", "connection reset or closed",
            "200 with a malformed", "HTML error pages", "answers reset after the server acted", "sandbox: idempotent replays",
            "answers that spent a window", "sandbox: 429 injected",
        ] {
            #expect((figure(fault, in: report) ?? 0) > 0, "no \(fault) in \(report)")
        }
        let shares = figures("operations per worker", in: report)
        #expect(shares.count == 3 && shares.allSatisfy { $0 > 200 } && shares.reduce(0, +) == 900, "\(report)")
        let confirmed = try #require(figure("confirmed (applied once by the sandbox)", in: report))
        #expect(confirmed > 500, "\(report)")

        // After the soak, the API key is nowhere: not in the output, the workers' log (SIGKILLed
        // mid-request), the cache database and its WAL, the quota ledger, or the stored
        // exchanges; its masked form is, so the search reads what it should.
        let key = Data("mn-soak-0123456789abcdef".utf8)
        var masked = 0
        let files = try FileManager.default.contentsOfDirectory(atPath: directory.path)
        #expect(files.contains("cache.sqlite") && files.contains("worker.log"), "\(files)")
        #expect(files.contains { $0.hasPrefix("quota-") && $0.hasSuffix(".ledger") }, "no shared quota ledger in \(files)")
        for name in files {
            let contents = try Data(contentsOf: directory.appendingPathComponent(name))
            #expect(contents.range(of: key) == nil, "the API key is in \(name)")
            if contents.range(of: Data("Bearer mn-so\u{2026}".utf8)) != nil { masked += 1 }
        }
        #expect(masked > 0, "no masked key in any of \(files)")
        #expect(!(run.stdout + run.stderr).contains("mn-soak-0123456789abcdef"))
    }

    /// One worker (the default): contacts it creates are edited by the ids the server will give
    /// them, predicted, so an edit can be queued before the create ahead of it is sent. Small,
    /// beside the run above.
    @Test func oneWorkerUnderFaultsAndKillsLosesNothing() async throws {
        let (report, run, directory) = try await soak(["--operations", "200", "--kill-every", "50", "--seed", "12"])
        defer { try? FileManager.default.removeItem(at: directory) }
        expectEditsIntact(report)
        #expect(report.contains("worker runs / kills / stopped by themselves  4 / 3 / 0"), "\(report)")
        let spentWindow429s = try #require(figure("sandbox: 429 FROM A SPENT WINDOW", in: report), "\(report)")
        #expect(spentWindow429s == 0, "\(report)")
        #expect(run.status == 0, "\(report)\n\(run.stderr)")
        #expect((figure("confirmed (applied once by the sandbox)", in: report) ?? 0) > 100, "\(report)")
    }
}

import Foundation
import Testing

/// The fault soak at CI size: 1,000 operations through the real client, cache and outbox, with
/// every fault type injected and the worker SIGKILLed every 100 operations (the full run is
/// 10,000 with a kill every 500: see the README). The harness exits 1 on any lost edit, write
/// applied twice, state mismatch or damaged database; the test also reads the report, so a
/// soak that injected nothing, or killed nothing, cannot pass.
@Suite struct SoakTests {
    @Test func aThousandOperationsUnderFaultsAndKillsLoseNothingAndApplyNothingTwice() async throws {
        let directory = FileManager.default.temporaryDirectory.appendingPathComponent("minimo-soak-test-\(UUID())")
        defer { try? FileManager.default.removeItem(at: directory) }
        let run = try await CLI.run(
            ["run", "--operations", "1000", "--kill-every", "100", "--seed", "11", "--timeout", "0.3", "--directory", directory.path,
             // Below the end-to-end tests that run beside it, whose screens wait on a busy CPU.
             "--nice", "10"],
            executable: "minimo-soak")
        let report = run.stdout
        #expect(run.status == 0, "\(report)\n\(run.stderr)")
        /// The first number after `label` on its line.
        func figure(_ label: String) -> Int? {
            guard let line = report.split(separator: "\n").first(where: { $0.contains(label) }),
                let range = line.range(of: label)
            else { return nil }
            return line[range.upperBound...].split(separator: " ").first { $0.allSatisfy(\.isNumber) }.flatMap { Int($0) }
        }
        #expect(figure("LOST EDITS") == 0, "\(report)")
        #expect(figure("WRITES APPLIED TWICE") == 0, "\(report)")
        #expect(figure("state mismatches") == 0, "\(report)")
        #expect(report.contains("SQLite integrity_check                       ok"), "\(report)")
        #expect(report.contains("\nPASS\n"), "\(report)")
        // It really was a soak: kills, every fault type seen, edits traced to the sandbox.
        #expect(report.contains("worker runs / kills / stopped by themselves  10 / 9 / 0"), "\(report)")
        for fault in [
            "500/503 with a JSON error", "429 (quota left, Retry-After: 0)", "no answer within the timeout", "connection reset or closed",
            "200 with a malformed", "HTML error pages", "answers reset after the server acted", "sandbox: idempotent replays",
        ] {
            #expect((figure(fault) ?? 0) > 0, "no \(fault) in \(report)")
        }
        let confirmed = try #require(figure("confirmed (applied once by the sandbox)"))
        #expect(confirmed > 500, "\(report)")

        // After the soak, the API key is nowhere: not in the output, the workers' log (SIGKILLed
        // mid-request 9 times), the cache database and its WAL, or the stored exchanges; its
        // masked form is, so the search reads what it should.
        let key = Data("mn-soak-0123456789abcdef".utf8)
        var masked = 0
        let files = try FileManager.default.contentsOfDirectory(atPath: directory.path)
        #expect(files.contains("cache.sqlite") && files.contains("worker.log"), "\(files)")
        for name in files {
            let contents = try Data(contentsOf: directory.appendingPathComponent(name))
            #expect(contents.range(of: key) == nil, "the API key is in \(name)")
            if contents.range(of: Data("Bearer mn-so\u{2026}".utf8)) != nil { masked += 1 }
        }
        #expect(masked > 0, "no masked key in any of \(files)")
        #expect(!(run.stdout + run.stderr).contains("mn-soak-0123456789abcdef"))
    }
}

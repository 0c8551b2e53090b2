import Foundation
import MinimoCache
import MinimoKit
import MinimoSandbox
import Testing
import MinimoTestSupport

/// Killing the program at any moment loses no edit and applies none twice.
@Suite struct CrashSafetyTests {
    @Test func anEditKilledMidSendIsFinishedByTheNextRunExactlyOnce() async throws {
        let root = FileManager.default.temporaryDirectory.appendingPathComponent("minimo-crash-\(UUID())")
        defer { try? FileManager.default.removeItem(at: root) }
        let cacheDir = root.appendingPathComponent("cache")
        try await withSandbox({
            $0.contactCount = 50
            $0.faults = FaultConfiguration(slowRate: 1, slowMilliseconds: 1500)
        }) { url in
            let environment = [
                "MINIMO_BASE_URL": url.absoluteString, "MINIMO_API_KEY": "mn-test-crash-0123456789",
                "MINIMO_CACHE_DIR": cacheDir.path,
            ]
            let child = Process()
            child.executableURL = CLI.binary
            child.arguments = ["contacts", "update", "42", "--field", "plan=after-crash", "--raw"]  // not a plan the definition lists
            child.environment = ["PATH": "/usr/bin:/bin", "HOME": root.path].merging(environment) { _, new in new }
            child.standardOutput = FileHandle.nullDevice
            child.standardError = FileHandle.nullDevice
            try child.run()

            // Wait until the edit is durably queued and its request has started, then SIGKILL.
            let database = CacheLocation(directory: cacheDir).databaseURL(profile: "url-127.0.0.1-\(url.port!)")
            let observer = try MinimoClient(configuration: MinimoConfiguration(baseURL: url, apiKey: "mn-test-observer-0123"))
            var sending = false
            let deadline = Date().addingTimeInterval(30)
            while !sending, Date() < deadline, child.isRunning {
                if FileManager.default.fileExists(atPath: database.path),
                    let store = try? ContactStore(client: observer, databaseURL: database),
                    let entries = try? await store.outbox(states: [.sending])
                {
                    sending = !entries.isEmpty
                }
                if !sending { try await Task.sleep(nanoseconds: 20_000_000) }  // ok: polling a condition
            }
            #expect(sending, "the child never reached the send")
            kill(child.processIdentifier, SIGKILL)
            await OffPool.run { child.waitUntilExit() }
            #expect(child.terminationReason == .uncaughtSignal)

            // A new process finds the edit and finishes it.
            let retry = try await CLI.run(["outbox", "retry"], environment: environment, home: root)
            #expect(retry.status == 0, "\(retry.stderr)")
            #expect(retry.stdout.contains("sent 1"))
            let list = try await CLI.run(["outbox", "list"], environment: environment, home: root)
            #expect(list.stdout.contains("outbox empty"))

            let stats = try JSONValue.parse(try await AsyncHTTPClientTransport().execute(
                TransportRequest(method: "GET", url: url.absoluteString + "/__sandbox/stats", headers: [], body: nil),
                timeout: 10).body)
            #expect(stats["writesApplied"]?.intValue == 1)
            let contact = try await observer.contact(email: "customer@example.com").value
            #expect(contact.customFields["plan"] == "after-crash")
        }
    }
}

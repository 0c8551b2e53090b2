import Foundation
import MinimoSandbox
import Testing

/// The `minimo` command line, run as a real process against a real sandbox.
@Suite(.serialized) struct CLITests {
    let key = "mn-test-cli-0123456789abcdef"

    func env(_ url: URL) -> [String: String] {
        ["MINIMO_BASE_URL": url.absoluteString, "MINIMO_API_KEY": key]
    }

    @Test func getPrintsTheContactAndExitsZero() async throws {
        try await withSandbox { url in
            let run = try await CLI.run(["contacts", "get", "customer@example.com"], environment: env(url))
            #expect(run.status == 0, "\(run.stderr)")
            #expect(run.stdout.contains("customer@example.com"))
            #expect(run.stdout.contains("Acme Corp"))
            // One request, or two when the in-process sandbox answered the first too late on a
            // loaded machine (it stalls for up to 30 s when the whole suite starts on 2 cores) and
            // the CLI retried it: either way the quota shown is the server's latest figure.
            #expect(run.stderr.contains("quota 99/100") || run.stderr.contains("quota 98/100"), "\(run.stderr)")
            #expect(!run.stdout.contains(key) && !run.stderr.contains(key))
        }
    }

    @Test func jsonPrintsTheExactBody() async throws {
        try await withSandbox { url in
            let run = try await CLI.run(["contacts", "get", "customer@example.com", "--json"], environment: env(url))
            #expect(run.status == 0)
            let body = try JSONSerialization.jsonObject(with: Data(run.stdout.utf8)) as? [String: Any]
            let data = body?["data"] as? [String: Any]
            #expect(data?["email"] as? String == "customer@example.com")
        }
    }

    @Test func exitCodesAreDistinct() async throws {
        try await withSandbox { url in
            #expect(try await CLI.run(["contacts", "get", "nobody@example.com"], environment: env(url)).status == 4)
            #expect(try await CLI.run(["contacts", "get", "not-an-email"], environment: env(url)).status == 7)
            #expect(try await CLI.run(["contacts", "get"], environment: env(url)).status == 2)
            #expect(try await CLI.run(["contacts", "frobnicate"], environment: env(url)).status == 2)
            let badKey = try await CLI.run(
                ["contacts", "get", "customer@example.com"],
                environment: ["MINIMO_BASE_URL": url.absoluteString, "MINIMO_API_KEY": "wrong"])
            #expect(badKey.status == 3)
            let upsertBadPhone = try await CLI.run(["contacts", "upsert", "--email", "a@example.com", "--phone", "339 12"], environment: env(url))
            #expect(upsertBadPhone.status == 7)
            #expect(upsertBadPhone.stderr.contains("E.164"))
            #expect(try await CLI.run(["contacts", "upsert", "--email", "a@example.com", "--field", "novalue"], environment: env(url)).status == 2)
        }
        // Nothing listens on port 9 (discard): a network error.
        let closed = URL(string: "http://127.0.0.1:9")!
        let network = try await CLI.run(["contacts", "get", "customer@example.com", "--timeout", "5"], environment: env(closed))
        #expect(network.status == 6)
        #expect(network.stderr.contains("connection refused"))
    }

    @Test func rateLimitedExitsFiveWhenTheWaitIsTooLong() async throws {
        try await withSandbox({ $0.rateLimit = RateLimitRule(limit: 1, window: .seconds(60)) }) { url in
            #expect(try await CLI.run(["contacts", "get", "customer@example.com"], environment: env(url)).status == 0)
            let limited = try await CLI.run(["contacts", "get", "customer@example.com", "--max-wait", "1"], environment: env(url))
            #expect(limited.status == 5)
            #expect(limited.stderr.contains("429"))
        }
    }

    @Test func upsertUpdateDeleteRoundTrip() async throws {
        try await withSandbox { url in
            let upsert = try await CLI.run(
                ["contacts", "upsert", "--email", "cli@example.com", "--phone", "+393401234567",
                 "--field", "plan=pro", "--field", "seats=3", "--consent", "whatsapp=on"], environment: env(url))
            #expect(upsert.status == 0, "\(upsert.stderr)")
            #expect(upsert.stdout.hasPrefix("created contact "))
            let id = try #require(upsert.stdout.split(separator: " ").last).trimmingCharacters(in: .whitespacesAndNewlines)
            let update = try await CLI.run(
                ["contacts", "update", id, "--field", "seats=4", "--unset-field", "plan", "--consent", "email=off"],
                environment: env(url))
            #expect(update.status == 0, "\(update.stderr)")
            #expect(update.stdout.contains("seats  4"))
            #expect(!update.stdout.contains("plan"))
            #expect(update.stdout.contains("email: no · whatsapp: yes"))
            let conflict = try await CLI.run(["contacts", "update", id, "--email", "customer@example.com"], environment: env(url))
            #expect(conflict.status == 7)
            #expect(try await CLI.run(["contacts", "delete", id], environment: env(url)).status == 0)
            #expect(try await CLI.run(["contacts", "get", "cli@example.com"], environment: env(url)).status == 4)
        }
    }

    @Test func fieldsListShowsDefinitionsByCategory() async throws {
        try await withSandbox { url in
            let run = try await CLI.run(["fields", "list"], environment: env(url))
            #expect(run.status == 0, "\(run.stderr)")
            #expect(run.stdout.contains("PLAN"))
            #expect(run.stdout.contains("select"))
        }
    }

    @Test func hostileFieldValuesAreEscapedInHumanOutput() async throws {
        try await withSandbox { url in
            _ = try await CLI.run(
                ["contacts", "upsert", "--email", "evil@example.com", "--field", "note=\u{1B}]0;pwned\u{07}\u{1B}[2J\rX\u{202E}"],
                environment: env(url))
            let run = try await CLI.run(["contacts", "get", "evil@example.com"], environment: env(url))
            #expect(run.status == 0)
            #expect(!run.stdout.unicodeScalars.contains { $0.value == 0x1B || $0.value == 0x07 || $0.value == 0x0D || $0.value == 0x202E })
            #expect(run.stdout.contains("\\u001b]0;pwned"))
        }
    }
}

@Suite struct CLIConfigTests {
    func makeHome() throws -> URL {
        let home = FileManager.default.temporaryDirectory.appendingPathComponent("minimo-home-\(UUID())")
        try FileManager.default.createDirectory(at: home.appendingPathComponent(".config/minimo"), withIntermediateDirectories: true)
        return home
    }

    @Test func missingKeySaysHowToSetOne() async throws {
        let run = try await CLI.run(["contacts", "get", "customer@example.com"])
        #expect(run.status == 3)
        #expect(run.stderr.contains("MINIMO_API_KEY"))
        #expect(run.stderr.contains("minimo demo"))
    }

    @Test func profileFromConfigWithAPrivateKeyFile() async throws {
        let home = try makeHome()
        defer { try? FileManager.default.removeItem(at: home) }
        let keyFile = home.appendingPathComponent(".config/minimo/acme.key")
        try "mn-acme-secret0123456789\n".write(to: keyFile, atomically: true, encoding: .utf8)
        try withUnsafeFileMode(keyFile, 0o600)
        try await withSandbox { url in
            try """
                # agency setup
                default_profile = "other"
                [profiles.acme]
                base_url = "\(url.absoluteString)"   # the sandbox
                api_key_file = "\(keyFile.path)"
                [profiles."other"]
                base_url = "https://api.minimo.it"
                """.write(to: home.appendingPathComponent(".config/minimo/config.toml"), atomically: true, encoding: .utf8)
            let run = try await CLI.run(["contacts", "get", "customer@example.com"], environment: ["MINIMO_PROFILE": "acme"], home: home)
            #expect(run.status == 0, "\(run.stderr)")
            #expect(!run.stdout.contains("secret0123456789") && !run.stderr.contains("secret0123456789"))
            // Wider than 0600: refused, with the fix in the message.
            try withUnsafeFileMode(keyFile, 0o644)
            let refused = try await CLI.run(["contacts", "get", "customer@example.com", "--profile", "acme"], home: home)
            #expect(refused.status == 3)
            #expect(refused.stderr.contains("chmod 600"))
            let unknown = try await CLI.run(["contacts", "get", "customer@example.com", "--profile", "nope"], home: home)
            #expect(unknown.status == 2)
            #expect(unknown.stderr.contains("acme"))
        }
    }

    @Test func malformedConfigNamesTheLine() async throws {
        let home = try makeHome()
        defer { try? FileManager.default.removeItem(at: home) }
        try "[profiles.x]\nbase_url = https://unquoted\n".write(
            to: home.appendingPathComponent(".config/minimo/config.toml"), atomically: true, encoding: .utf8)
        let run = try await CLI.run(["contacts", "get", "a@example.com", "--profile", "x"], environment: ["MINIMO_API_KEY": "mn-a-b"], home: home)
        #expect(run.status == 2)
        #expect(run.stderr.contains("config.toml:2"))
    }

    @Test func keyOnTheCommandLineWarnsAndPlainHTTPToARemoteHostIsRefused() async throws {
        let run = try await CLI.run(["contacts", "get", "a@example.com", "--api-key", "mn-cli-visible0123", "--base-url", "http://example.com"])
        #expect(run.stderr.contains("warning: --api-key"))
        #expect(run.status == 2)
        #expect(run.stderr.contains("refusing plain HTTP"))
        #expect(!run.stderr.contains("visible0123"))
    }
}

func withUnsafeFileMode(_ url: URL, _ mode: Int) throws {
    try FileManager.default.setAttributes([.posixPermissions: mode], ofItemAtPath: url.path)
}

import Foundation
import MinimoSandbox
import Testing
import MinimoTestSupport

/// A CA written to a private directory, and certificates it (or another CA) signs for the TLS
/// sandbox.
struct TLSFixture {
    let ca: SandboxCertificateAuthority
    let directory: URL
    /// The CA's certificate, PEM: what a client trusts.
    let caFile: String

    init() throws {
        ca = try SandboxCertificateAuthority()
        directory = FileManager.default.temporaryDirectory.appendingPathComponent("minimo-tls-\(UUID().uuidString.prefix(8))")
        try FileManager.default.createDirectory(at: directory, withIntermediateDirectories: true)
        caFile = directory.appendingPathComponent("ca.pem").path
        try Data(ca.certificatePEM.utf8).write(to: URL(fileURLWithPath: caFile))
    }

    /// A good certificate for the sandbox's address.
    func loopback() throws -> SandboxTLS { try ca.issue(hosts: ["127.0.0.1", "localhost"]) }

    func remove() { try? FileManager.default.removeItem(at: directory) }
}

/// HTTPS end to end: the real binary against the sandbox serving TLS on 127.0.0.1, trusting its
/// CA through `SSL_CERT_FILE`, `SSL_CERT_DIR` or a profile's `ca_file`, and one test per TLS
/// failure, each with exit 6 and its own sentence.
@Suite(.serialized) struct HTTPSTests {
    let key = "mn-test-tls-0123456789abcdef"

    func env(_ url: URL, _ extra: [String: String] = [:]) -> [String: String] {
        ["MINIMO_BASE_URL": url.absoluteString, "MINIMO_API_KEY": key].merging(extra) { _, new in new }
    }

    @Test func commandsWorkOverHTTPS() async throws {
        let fixture = try TLSFixture()
        defer { fixture.remove() }
        let tls = try fixture.loopback()
        try await withSandbox({ $0.tls = tls }) { url in
            #expect(url.scheme == "https")
            let trust = env(url, ["SSL_CERT_FILE": fixture.caFile])
            let get = try await CLI.run(["contacts", "get", "customer@example.com"], environment: trust)
            #expect(get.status == 0, "\(get.stderr)")
            #expect(get.stdout.contains("Acme Corp"))

            let upsert = try await CLI.run(["contacts", "upsert", "--email", "tls@example.com", "--field", "seats=3"], environment: trust)
            #expect(upsert.status == 0, "\(upsert.stderr)")
            let id = try #require(upsert.stdout.split(separator: " ").last).trimmingCharacters(in: .whitespacesAndNewlines)
            let update = try await CLI.run(["contacts", "update", id, "--field", "seats=4"], environment: trust)
            #expect(update.status == 0, "\(update.stderr)")
            #expect(update.stdout.contains("seats  4"), "\(update.stdout)")

            let sync = try await CLI.run(["sync"], environment: trust)
            #expect(sync.status == 0, "\(sync.stderr)")
            #expect(sync.stdout.contains("synced 21 contacts"), "\(sync.stdout)")

            let fields = try await CLI.run(["fields", "list"], environment: trust)
            #expect(fields.status == 0, "\(fields.stderr)")
            for run in [get, upsert, update, sync, fields] {
                #expect(!run.stdout.contains(key) && !run.stderr.contains(key))
            }
        }
    }

    /// `ca_file` in a profile, relative to the config file; it beats `SSL_CERT_FILE` (as curl's
    /// `--cacert` beats the variable), shown by pointing the variable at a CA that would fail;
    /// and `CURL_CA_BUNDLE` beats `SSL_CERT_FILE`.
    @Test func profileCAFileIsTrusted() async throws {
        let fixture = try TLSFixture()
        let other = try TLSFixture()
        defer {
            fixture.remove()
            other.remove()
        }
        let tls = try fixture.loopback()
        try await withSandbox({ $0.tls = tls }) { url in
            let config = fixture.directory.appendingPathComponent("config.toml")
            try """
                [profiles.secure]
                base_url = "\(url.absoluteString)"
                api_key_env = "TLS_KEY"
                ca_file = "ca.pem"
                """.write(to: config, atomically: true, encoding: .utf8)
            let run = try await CLI.run(
                ["contacts", "get", "customer@example.com", "--config", config.path, "--profile", "secure", "--debug"],
                environment: ["TLS_KEY": key, "SSL_CERT_FILE": other.caFile])
            #expect(run.status == 0, "\(run.stderr)")
            #expect(run.stderr.contains("TLS: trusting the certificate authorities in \(fixture.caFile)"), "\(run.stderr)")
            // Without a profile, curl's order: CURL_CA_BUNDLE beats SSL_CERT_FILE.
            let bundle = try await CLI.run(
                ["contacts", "get", "customer@example.com"],
                environment: env(url, ["CURL_CA_BUNDLE": fixture.caFile, "SSL_CERT_FILE": other.caFile]))
            #expect(bundle.status == 0, "\(bundle.stderr)")
            let variable = try await CLI.run(["contacts", "get", "customer@example.com"], environment: env(url, ["SSL_CERT_FILE": other.caFile]))
            #expect(variable.status == 6, "the other CA alone does not trust the sandbox")
        }
    }

    /// `SSL_CERT_DIR`: a directory of CA certificates named by subject hash (`openssl rehash`).
    @Test func sslCertDirIsTrusted() async throws {
        let fixture = try TLSFixture()
        defer { fixture.remove() }
        let directory = fixture.directory.appendingPathComponent("certs")
        try FileManager.default.createDirectory(at: directory, withIntermediateDirectories: true)
        try FileManager.default.copyItem(atPath: fixture.caFile, toPath: directory.appendingPathComponent("sandbox-ca.pem").path)
        try #require(FileManager.default.isExecutableFile(atPath: "/usr/bin/openssl"), "this test needs Debian's openssl package (openssl rehash)")
        let rehash = try await CLI.run(["rehash", directory.path], executable: "/usr/bin/openssl")
        try #require(rehash.status == 0, "openssl rehash: \(rehash.stderr)")
        let tls = try fixture.loopback()
        try await withSandbox({ $0.tls = tls }) { url in
            let run = try await CLI.run(["contacts", "get", "customer@example.com"], environment: env(url, ["SSL_CERT_DIR": directory.path]))
            #expect(run.status == 0, "\(run.stderr)")
            let without = try await CLI.run(["contacts", "get", "customer@example.com"], environment: env(url))
            #expect(without.status == 6)
        }
    }

    @Test func untrustedCertificateIsNamed() async throws {
        let fixture = try TLSFixture()
        let other = try TLSFixture()
        defer {
            fixture.remove()
            other.remove()
        }
        let tls = try fixture.loopback()
        try await withSandbox({ $0.tls = tls }) { url in
            // The system's CAs: the sandbox's throwaway CA is not among them.
            let system = try await CLI.run(["contacts", "get", "customer@example.com"], environment: env(url))
            #expect(system.status == 6)
            #expect(system.stderr.contains("the certificate of 127.0.0.1:\(url.port!) is not signed by a certificate authority minimo trusts"), "\(system.stderr)")
            #expect(system.stderr.contains("ca_file"))
            // Another CA trusted: still refused, and the sentence names the file trusted.
            let wrongCA = try await CLI.run(["contacts", "get", "customer@example.com"], environment: env(url, ["SSL_CERT_FILE": other.caFile]))
            #expect(wrongCA.status == 6)
            #expect(wrongCA.stderr.contains("not among the certificate authorities in \(other.caFile)"), "\(wrongCA.stderr)")
        }
    }

    @Test func wrongHostnameIsNamed() async throws {
        let fixture = try TLSFixture()
        defer { fixture.remove() }
        let tls = try fixture.ca.issue(hosts: ["api.example.com"])
        try await withSandbox({ $0.tls = tls }) { url in
            let run = try await CLI.run(["contacts", "get", "customer@example.com"], environment: env(url, ["SSL_CERT_FILE": fixture.caFile]))
            #expect(run.status == 6)
            #expect(run.stderr.contains("the certificate of 127.0.0.1:\(url.port!) is for another host name"), "\(run.stderr)")
        }
    }

    @Test func expiredCertificateIsNamed() async throws {
        let fixture = try TLSFixture()
        defer { fixture.remove() }
        let expiry = Date(timeIntervalSince1970: (Date().timeIntervalSince1970 / 86_400).rounded(.down) * 86_400 - 2 * 86_400)
        let tls = try fixture.ca.issue(hosts: ["127.0.0.1"], notBefore: expiry - 30 * 86_400, notAfter: expiry)
        try await withSandbox({ $0.tls = tls }) { url in
            let run = try await CLI.run(["contacts", "get", "customer@example.com"], environment: env(url, ["SSL_CERT_FILE": fixture.caFile]))
            #expect(run.status == 6)
            let day = ISO8601DateFormatter().string(from: expiry)
            #expect(run.stderr.contains("the certificate of 127.0.0.1:\(url.port!) expired on \(day)"), "\(run.stderr)")
        }
    }

    /// https:// to a port that speaks plain HTTP: no TLS session at all.
    @Test func handshakeFailureIsNamed() async throws {
        try await withSandbox { url in
            let https = URL(string: url.absoluteString.replacingOccurrences(of: "http://", with: "https://"))!
            let run = try await CLI.run(["contacts", "get", "customer@example.com"], environment: env(https))
            #expect(run.status == 6)
            #expect(run.stderr.contains("TLS: the handshake with 127.0.0.1:\(url.port!) failed"), "\(run.stderr)")
        }
    }

    @Test func unusableCAPathsAreUsageErrors() async throws {
        let fixture = try TLSFixture()
        defer { fixture.remove() }
        let url = URL(string: "https://127.0.0.1:9")!
        let missing = fixture.directory.appendingPathComponent("nope.pem").path
        let variable = try await CLI.run(["contacts", "get", "customer@example.com"], environment: env(url, ["SSL_CERT_FILE": missing]))
        #expect(variable.status == 2)
        #expect(variable.stderr.contains("SSL_CERT_FILE=\(missing) cannot be used: it does not exist"), "\(variable.stderr)")

        let notPEM = fixture.directory.appendingPathComponent("notes.txt")
        try "not a certificate".write(to: notPEM, atomically: true, encoding: .utf8)
        let config = fixture.directory.appendingPathComponent("config.toml")
        try """
            [profiles.p]
            base_url = "https://127.0.0.1:9"
            api_key_env = "TLS_KEY"
            ca_file = "\(notPEM.path)"
            """.write(to: config, atomically: true, encoding: .utf8)
        let profile = try await CLI.run(["contacts", "get", "x@example.com", "--config", config.path, "--profile", "p"], environment: ["TLS_KEY": key])
        #expect(profile.status == 2)
        #expect(profile.stderr.contains("the ca_file of profile 'p', \(notPEM.path), cannot be used: it holds no PEM certificate"), "\(profile.stderr)")

        let directory = try await CLI.run(["contacts", "get", "customer@example.com"], environment: env(url, ["SSL_CERT_DIR": missing]))
        #expect(directory.status == 2)
        #expect(directory.stderr.contains("SSL_CERT_DIR=\(missing) cannot be used"), "\(directory.stderr)")
    }

    /// `minimo sandbox --tls-self-signed` as a user runs it: the banner names the CA file, and a
    /// client trusting that file gets an answer.
    @Test func sandboxCommandServesSelfSignedHTTPS() async throws {
        let fixture = try TLSFixture()
        defer { fixture.remove() }
        let caOut = fixture.directory.appendingPathComponent("sandbox-ca.pem").path
        let server = try SandboxProcess(["sandbox", "--port", "0", "--tls-self-signed", "--tls-ca-out", caOut])
        defer { server.stop() }
        let banner = try await server.waitForBanner()
        #expect(banner.contains("TLS CA     \(caOut)"), "\(banner)")
        let url = try #require(server.url)
        #expect(url.scheme == "https")
        let run = try await CLI.run(["contacts", "get", "customer@example.com"], environment: env(url, ["SSL_CERT_FILE": caOut]))
        #expect(run.status == 0, "\(run.stderr)")
        await server.stopAndWait()
        #expect(!FileManager.default.fileExists(atPath: caOut), "the CA file is removed at a clean stop")
    }

    @Test func sandboxCommandRefusesBadTLSFlags() async throws {
        let fixture = try TLSFixture()
        defer { fixture.remove() }
        let alone = try await CLI.run(["sandbox", "--tls-cert", fixture.caFile])
        #expect(alone.status == 2)
        #expect(alone.stderr.contains("--tls-cert and --tls-key go together"), "\(alone.stderr)")
        let notKey = try await CLI.run(["sandbox", "--port", "0", "--tls-cert", fixture.caFile, "--tls-key", fixture.caFile])
        #expect(notKey.status == 2)
        #expect(notKey.stderr.contains("the TLS key is not a PEM private key"), "\(notKey.stderr)")
    }
}

/// `minimo sandbox` as a child process, read until its banner names the URL.
final class SandboxProcess: @unchecked Sendable {
    private let process = Process()
    private let output = Pipe()
    private let lock = NSLock()
    private var text = ""
    private(set) var url: URL?

    init(_ arguments: [String]) throws {
        process.executableURL = CLI.binary
        process.arguments = arguments
        process.environment = ["PATH": "/usr/bin:/bin", "HOME": FileManager.default.temporaryDirectory.path, "LANG": "C.UTF-8"]
        process.standardOutput = output
        process.standardError = output
        process.standardInput = FileHandle.nullDevice
        try process.run()
        let handle = output.fileHandleForReading
        Thread { [self] in
            while true {
                let chunk = handle.availableData
                if chunk.isEmpty { return }
                lock.withLock { text += String(decoding: chunk, as: UTF8.self) }
            }
        }.start()
    }

    /// Waits (up to 30 s, polling) for the banner's "Ctrl-C to stop." line.
    func waitForBanner() async throws -> String {
        for _ in 0..<300 {
            let current = lock.withLock { text }
            if current.contains("Ctrl-C to stop.") {
                if let line = current.split(separator: "\n").first(where: { $0.hasPrefix("minimo sandbox listening on ") }) {
                    url = URL(string: String(line.dropFirst("minimo sandbox listening on ".count)))
                }
                return current
            }
            if !process.isRunning { break }
            try await Task.sleep(nanoseconds: 100_000_000)  // ok: polling for the child's banner
        }
        return lock.withLock { text }
    }

    /// SIGTERM (a clean stop), without waiting.
    func stop() {
        if process.isRunning { process.terminate() }
    }

    /// SIGTERM, then waits for the exit on a thread of its own (never on the pool the
    /// in-process sandboxes of other tests need).
    func stopAndWait() async {
        stop()
        await OffPool.run { [process] in process.waitUntilExit() }
    }
}

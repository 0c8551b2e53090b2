import ArgumentParser
import Foundation
import MinimoSandbox

struct SandboxCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "sandbox",
        abstract: "Run a local Minimo-compatible API server for tests and experiments.",
        discussion: """
            Serves the contact and custom-field endpoints under /public/v1 and /v1, with seeded data, \
            per-key rate limits, idempotency keys and optional fault injection. Any key shaped \
            mn-CLIENT-SECRET is accepted unless --api-key is given; mn-readonly-... keys may only read. \
            GET /__sandbox/stats reports what the server saw. The API it serves is described in \
            openapi.yaml at the repository root. Runs until Ctrl-C.

            HTTPS: --tls-cert FILE --tls-key FILE serve your own certificate (PEM chain, leaf \
            first, and its unencrypted PEM key). --tls-self-signed makes a throwaway CA in memory \
            and a certificate it signs for 127.0.0.1, ::1, localhost and any --tls-name; the CA's \
            certificate (public, no key) is written to --tls-ca-out, by default \
            $TMPDIR/minimo-sandbox-PORT-ca.pem (/tmp when TMPDIR is unset; PORT is the port \
            listened on), printed at start and removed at a clean stop. Trust it with \
            SSL_CERT_FILE=that-file or ca_file = "that-file" in a profile.
            """)

    @Option(help: "Address to listen on (loopback by default).") var host = "127.0.0.1"
    @Option(help: "Port; 0 picks a free one.") var port = 8080
    @Option(help: "Number of contacts to seed.") var seed = 50
    @Option(help: "Random seed for the generated data (same seed, same data).") var randomSeed: UInt64 = 42
    @Option(help: ArgumentHelp("Requests per window per key, e.g. 100/60s, 10/2s, 500/1m.", valueName: "n/window"))
    var rateLimit = "100/60s"
    @Option(name: .customLong("api-key"), help: ArgumentHelp("Accept only this key (repeatable).", valueName: "key"))
    var apiKeys: [String] = []
    @Option(help: "Fraction of requests answered 500 or 503 (0...1).") var faultRate = 0.0
    @Option(help: "Fraction of requests answered slowly.") var slowRate = 0.0
    @Option(help: "Delay of a slow answer, in milliseconds.") var slowMs = 0
    @Option(help: "Fraction of answers with a truncated JSON body.") var malformedRate = 0.0
    @Option(help: "Fraction of answers that are HTML error pages.") var htmlRate = 0.0
    @Option(help: "Fraction of requests answered 429 although quota is left.") var rateLimitedRate = 0.0
    @Option(help: "Retry-After, in seconds, of those 429s.") var rateLimitedRetryAfter = 1
    @Flag(help: "Answer 404 to GET /contacts, like an API without a listing.") var noListing = false
    @Option(help: ArgumentHelp("Serve HTTPS with this PEM certificate chain (with --tls-key).", valueName: "file"))
    var tlsCert: String?
    @Option(help: ArgumentHelp("The PEM private key of --tls-cert (not encrypted).", valueName: "file"))
    var tlsKey: String?
    @Flag(help: "Serve HTTPS with a throwaway certificate from a throwaway CA (where its CA file goes: see the overview above).")
    var tlsSelfSigned = false
    @Option(help: ArgumentHelp("With --tls-self-signed: another host name or address the certificate is for (repeatable).", valueName: "name"))
    var tlsName: [String] = []
    @Option(help: ArgumentHelp("With --tls-self-signed: where to write the CA certificate (default $TMPDIR/minimo-sandbox-PORT-ca.pem).", valueName: "file"))
    var tlsCaOut: String?

    func validate() throws {
        guard (0...65535).contains(port) else { throw ValidationError("--port must be between 0 and 65535") }
        guard seed >= 0 else { throw ValidationError("--seed must be 0 or more") }
        for (name, rate) in [("--fault-rate", faultRate), ("--slow-rate", slowRate), ("--malformed-rate", malformedRate), ("--html-rate", htmlRate),
            ("--rate-limited-rate", rateLimitedRate)]
        where !(0...1).contains(rate) {
            throw ValidationError("\(name) must be between 0 and 1")
        }
        guard slowMs >= 0 else { throw ValidationError("--slow-ms must be 0 or more") }
        guard rateLimitedRetryAfter >= 0 else { throw ValidationError("--rate-limited-retry-after must be 0 or more") }
        do { _ = try RateLimitRule(parsing: rateLimit) } catch { throw ValidationError("--rate-limit: \(error)") }
        if (tlsCert == nil) != (tlsKey == nil) {
            throw ValidationError("--tls-cert and --tls-key go together: the certificate and its private key")
        }
        if tlsSelfSigned, tlsCert != nil {
            throw ValidationError("--tls-self-signed makes its own certificate: drop --tls-cert and --tls-key, or drop --tls-self-signed")
        }
        if !tlsSelfSigned, !tlsName.isEmpty || tlsCaOut != nil {
            throw ValidationError("--tls-name and --tls-ca-out only apply with --tls-self-signed")
        }
    }

    func makeConfiguration() throws -> SandboxConfiguration {
        var configuration = SandboxConfiguration()
        configuration.host = host
        configuration.port = port
        configuration.contactCount = seed
        configuration.randomSeed = randomSeed
        configuration.rateLimit = try RateLimitRule(parsing: rateLimit)
        configuration.apiKeys = apiKeys
        configuration.listingEnabled = !noListing
        configuration.faults = FaultConfiguration(
            errorRate: faultRate, slowRate: slowRate, slowMilliseconds: slowMs, malformedRate: malformedRate, htmlRate: htmlRate,
            rateLimitedRate: rateLimitedRate, rateLimitedRetryAfter: rateLimitedRetryAfter)
        return configuration
    }

    func run() async throws {
        var configuration = try makeConfiguration()
        var authority: SandboxCertificateAuthority?
        do {
            if let tlsCert, let tlsKey {
                let tls = try SandboxTLS(certificateFile: tlsCert, keyFile: tlsKey)
                try tls.validate()
                configuration.tls = tls
            } else if tlsSelfSigned {
                let ca = try SandboxCertificateAuthority()
                var names = ["127.0.0.1", "::1", "localhost"]
                if !["0.0.0.0", "::"].contains(host) { names.append(host) }
                for name in tlsName where !names.contains(name) { names.append(name) }
                configuration.tls = try ca.issue(hosts: names)
                authority = ca
            }
        } catch let error as SandboxServerError {
            throw CLIError(.usage, error.message)
        }
        let server = SandboxServer(configuration: configuration)
        let url: URL
        do { url = try await server.start() } catch {
            throw CLIError(.network, "cannot start the sandbox on \(host):\(port): \(error)")
        }
        var caPath: String?
        if let authority {
            let temporary = ProcessInfo.processInfo.environment["TMPDIR"].flatMap { $0.isEmpty ? nil : $0 } ?? "/tmp"
            let path = tlsCaOut ?? URL(fileURLWithPath: temporary).appendingPathComponent("minimo-sandbox-\(url.port ?? port)-ca.pem").path
            do {
                // Atomic: a rename replaces whatever sits at the path (a symlink is not followed).
                try Data(authority.certificatePEM.utf8).write(to: URL(fileURLWithPath: path), options: .atomic)
            } catch {
                await server.stop()
                throw CLIError(.usage, "cannot write the sandbox's CA certificate to \(path): \(error.localizedDescription); choose another place with --tls-ca-out FILE")
            }
            caPath = path
        }
        let key = apiKeys.first ?? SandboxServer.demoAPIKey
        let trust = caPath.map { "SSL_CERT_FILE=\($0) " } ?? ""
        var banner = """
            minimo sandbox listening on \(url.absoluteString)
              API        \(url.absoluteString)/public/v1 (also /v1)
              API key    \(key)\(apiKeys.isEmpty ? "  (any mn-CLIENT-SECRET key works)" : "")
              data       \(seed) contacts (random seed \(randomSeed)), rate limit \(rateLimit) per key
              stats      \(url.absoluteString)/__sandbox/stats

            """
        if let caPath {
            banner += "  TLS CA     \(caPath)  (trust it: SSL_CERT_FILE=\(caPath), or ca_file = \"\(caPath)\" in a profile)\n"
        } else if let tlsCert {
            banner += "  TLS        certificate \(tlsCert)\n"
        }
        banner += """
              try        \(trust)MINIMO_BASE_URL=\(url.absoluteString) MINIMO_API_KEY=\(key) minimo contacts get customer@example.com
            Ctrl-C to stop.
            """
        print(banner)
        fflush(nil)
        await SignalWaiter.waitForTermination()
        await server.stop()
        if let caPath { try? FileManager.default.removeItem(atPath: caPath) }
        print("sandbox stopped")
    }
}

/// Waits for SIGINT or SIGTERM without killing the process, so servers can stop cleanly.
enum SignalWaiter {
    static func waitForTermination() async {
        await withCheckedContinuation { (continuation: CheckedContinuation<Void, Never>) in
            let once = ResumeOnce(continuation)
            for signalNumber in [SIGINT, SIGTERM, SIGHUP] {
                signal(signalNumber, SIG_IGN)
                let source = DispatchSource.makeSignalSource(signal: signalNumber, queue: .global())
                source.setEventHandler { once.resume() }
                source.resume()
                once.keep(source)
            }
        }
    }

    private final class ResumeOnce: @unchecked Sendable {
        private let lock = NSLock()
        private var continuation: CheckedContinuation<Void, Never>?
        private var sources: [DispatchSourceSignal] = []

        init(_ continuation: CheckedContinuation<Void, Never>) { self.continuation = continuation }

        func keep(_ source: DispatchSourceSignal) { lock.withLock { sources.append(source) } }

        func resume() {
            let pending: CheckedContinuation<Void, Never>? = lock.withLock {
                defer { continuation = nil }
                return continuation
            }
            pending?.resume()
        }
    }
}

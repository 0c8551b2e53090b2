import Foundation
import MinimoSandbox
import Testing

/// Proxies as curl reads them, against a real forward proxy on 127.0.0.1 that counts its
/// tunnels and plain requests: HTTPS goes through CONNECT (the key never crosses the proxy in
/// clear), `NO_PROXY` sends a host direct, a profile's `proxy` beats the environment, and a proxy
/// password never reaches the output.
@Suite(.serialized) struct ProxyTests {
    let key = "mn-test-proxy-0123456789abcdef"
    let password = "pr0xy-s3cret-pw"

    func env(_ url: URL, _ extra: [String: String]) -> [String: String] {
        ["MINIMO_BASE_URL": url.absoluteString, "MINIMO_API_KEY": key].merging(extra) { _, new in new }
    }

    @Test func httpsGoesThroughTheProxyWithConnect() async throws {
        let fixture = try TLSFixture()
        defer { fixture.remove() }
        let proxy = try ForwardProxy(credentials: ("alice", password))
        defer { proxy.stop() }
        let tls = try fixture.loopback()
        try await withSandbox({ $0.tls = tls }) { url in
            let run = try await CLI.run(
                ["contacts", "get", "customer@example.com", "--debug"],
                environment: env(url, ["SSL_CERT_FILE": fixture.caFile, "HTTPS_PROXY": proxy.url]))
            #expect(run.status == 0, "\(run.stderr)")
            #expect(run.stdout.contains("Acme Corp"))
            let counts = proxy.snapshot
            #expect(counts.tunnels >= 1)
            #expect(counts.tunnelTargets.allSatisfy { $0 == "127.0.0.1:\(url.port!)" }, "\(counts.tunnelTargets)")
            #expect(counts.plainRequests == 0)
            #expect(counts.refusedForAuth == 0)
            // What the proxy saw: the CONNECT line in clear, then only TLS records.
            let seen = proxy.bytesFromClients
            #expect(seen.range(of: Data("CONNECT 127.0.0.1:\(url.port!)".utf8)) != nil)
            #expect(seen.range(of: Data(key.utf8)) == nil, "the key crossed the proxy in clear")
            #expect(seen.range(of: Data("customer@example.com".utf8)) == nil)
            // --debug names the proxy, the password masked.
            #expect(run.stderr.contains("proxy http://alice:***@127.0.0.1:\(proxy.port) (from HTTPS_PROXY) for https://127.0.0.1:\(url.port!)"), "\(run.stderr)")
            #expect(!run.stderr.contains(password) && !run.stdout.contains(password))
        }
    }

    /// Loopback is not exempt (as in curl): the plain-HTTP sandbox goes through `http_proxy`
    /// unless `NO_PROXY` lists it, in any of the forms curl reads.
    @Test func noProxyHostsBypassTheProxy() async throws {
        let proxy = try ForwardProxy()
        defer { proxy.stop() }
        try await withSandbox { url in
            let through = try await CLI.run(["contacts", "get", "customer@example.com"], environment: env(url, ["http_proxy": proxy.url]))
            #expect(through.status == 0, "\(through.stderr)")
            let afterFirst = proxy.snapshot.tunnels + proxy.snapshot.plainRequests
            #expect(afterFirst >= 1)
            for noProxy in ["127.0.0.1", "example.com, 127.0.0.1", "*", "127.0.0.1:\(url.port!)", "127.0.0.0/8"] {
                let direct = try await CLI.run(
                    ["contacts", "get", "customer@example.com", "--debug"],
                    environment: env(url, ["http_proxy": proxy.url, "NO_PROXY": noProxy]))
                #expect(direct.status == 0, "\(direct.stderr)")
                #expect(direct.stderr.contains("no proxy for http://127.0.0.1:\(url.port!): NO_PROXY lists"), "\(noProxy): \(direct.stderr)")
            }
            // A port that is not the sandbox's does not exempt it.
            let otherPort = try await CLI.run(
                ["contacts", "get", "customer@example.com"], environment: env(url, ["http_proxy": proxy.url, "no_proxy": "127.0.0.1:1"]))
            #expect(otherPort.status == 0)
            let counts = proxy.snapshot
            #expect(counts.tunnels + counts.plainRequests == afterFirst + 1, "only the last run went through the proxy: \(counts)")
        }
    }

    /// A profile's `proxy` beats `HTTPS_PROXY` (here a dead one), and `proxy = ""` turns it off.
    @Test func profileProxyBeatsTheEnvironment() async throws {
        let fixture = try TLSFixture()
        defer { fixture.remove() }
        let proxy = try ForwardProxy(credentials: ("bob", password))
        defer { proxy.stop() }
        let tls = try fixture.loopback()
        try await withSandbox({ $0.tls = tls }) { url in
            let config = fixture.directory.appendingPathComponent("config.toml")
            try """
                [profiles.office]
                base_url = "\(url.absoluteString)"
                api_key_env = "PROXY_KEY"
                ca_file = "ca.pem"
                proxy = "\(proxy.url)"

                [profiles.direct]
                base_url = "\(url.absoluteString)"
                api_key_env = "PROXY_KEY"
                ca_file = "ca.pem"
                proxy = ""
                """.write(to: config, atomically: true, encoding: .utf8)
            let dead = ["PROXY_KEY": key, "HTTPS_PROXY": "http://127.0.0.1:9"]
            let office = try await CLI.run(["contacts", "get", "customer@example.com", "--config", config.path, "--profile", "office", "--debug"], environment: dead)
            #expect(office.status == 0, "\(office.stderr)")
            #expect(proxy.snapshot.tunnels == 1)
            #expect(office.stderr.contains("(from the profile's proxy)"))
            #expect(!office.stderr.contains(password))
            let direct = try await CLI.run(["contacts", "get", "customer@example.com", "--config", config.path, "--profile", "direct"], environment: dead)
            #expect(direct.status == 0, "\(direct.stderr)")
            #expect(proxy.snapshot.tunnels == 1)
            // Without the profile, the dead proxy from the environment is used: it fails, naming the proxy.
            let viaDead = try await CLI.run(["contacts", "get", "customer@example.com", "--timeout", "5"], environment: env(url, ["HTTPS_PROXY": "http://127.0.0.1:9", "SSL_CERT_FILE": fixture.caFile]))
            #expect(viaDead.status == 6)
            #expect(viaDead.stderr.contains("cannot connect to the proxy 127.0.0.1:9"), "\(viaDead.stderr)")
        }
    }

    @Test func wrongProxyPasswordIsNamedAndMasked() async throws {
        let proxy = try ForwardProxy(credentials: ("alice", password))
        defer { proxy.stop() }
        try await withSandbox { url in
            let wrong = "http://alice:not-the-\(password)@127.0.0.1:\(proxy.port)"
            let run = try await CLI.run(["contacts", "get", "customer@example.com", "--debug"], environment: env(url, ["http_proxy": wrong]))
            #expect(run.status == 6)
            #expect(run.stderr.contains("the proxy 127.0.0.1:\(proxy.port) refused the credentials"), "\(run.stderr)")
            #expect(!run.stderr.contains(password) && !run.stdout.contains(password))
            #expect(proxy.snapshot.refusedForAuth >= 1)
        }
    }

    /// A TLS failure behind a proxy still names its cause: the diagnosis goes through the tunnel.
    @Test func tlsFailureThroughTheProxyIsNamed() async throws {
        let fixture = try TLSFixture()
        defer { fixture.remove() }
        let proxy = try ForwardProxy()
        defer { proxy.stop() }
        let expiry = Date() - 3 * 86_400
        let tls = try fixture.ca.issue(hosts: ["127.0.0.1"], notBefore: expiry - 86_400, notAfter: expiry)
        try await withSandbox({ $0.tls = tls }) { url in
            let run = try await CLI.run(
                ["contacts", "get", "customer@example.com"], environment: env(url, ["SSL_CERT_FILE": fixture.caFile, "HTTPS_PROXY": proxy.url]))
            #expect(run.status == 6)
            #expect(run.stderr.contains("expired on"), "\(run.stderr)")
            #expect(proxy.snapshot.tunnels >= 2, "the request's tunnel and the diagnosis's")
        }
    }

    @Test func unusableProxySettingsAreUsageErrors() async throws {
        let url = URL(string: "https://127.0.0.1:9")!
        for (value, expected) in [
            ("http://carol:\(password)@", "is not a usable proxy: expected http://[user:password@]host:port"),
            ("socks5://127.0.0.1:1080", "SOCKS proxies are not supported"),
            ("https://proxy.example.com:3128", "a proxy reached over TLS (https://) is not supported"),
            ("http://proxy.example.com:99999", "is not a usable proxy"),
        ] {
            let run = try await CLI.run(["contacts", "get", "customer@example.com"], environment: env(url, ["HTTPS_PROXY": value]))
            #expect(run.status == 2, "\(value): \(run.stderr)")
            #expect(run.stderr.contains("HTTPS_PROXY"), "\(run.stderr)")
            #expect(run.stderr.contains(expected), "\(value): \(run.stderr)")
            #expect(!run.stderr.contains(password))
        }
    }
}

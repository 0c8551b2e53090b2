import Foundation
import MinimoKit
import MinimoSandbox
import Testing

/// The TUI as it runs on a company server: HTTPS to the API through an HTTP proxy, the
/// company's CA in `SSL_CERT_FILE`. Look a contact up, edit a field, save, and read the value
/// back from the sandbox with a second client that trusts the same CA.
@Suite(.serialized) struct TUIHTTPSEndToEndTests {
    @Test func editAndSaveOverHTTPSThroughAProxy() async throws {
        let fixture = try TLSFixture()
        defer { fixture.remove() }
        let proxy = try ForwardProxy(credentials: ("operator", "tui-proxy-pw"))
        defer { proxy.stop() }
        let cache = fixture.directory.appendingPathComponent("cache")
        let tls = try fixture.loopback()
        try await withSandbox({
            $0.contactCount = 50
            $0.tls = tls
        }) { url in
            let key = "mn-test-tuitls-0123456789abcdef"
            let environment = [
                "MINIMO_BASE_URL": url.absoluteString, "MINIMO_API_KEY": key, "MINIMO_CACHE_DIR": cache.path, "HOME": cache.path,
                "SSL_CERT_FILE": fixture.caFile, "HTTPS_PROXY": proxy.url,
            ]
            let tmux = try TmuxSession(arguments: [], environment: environment, columns: 120, rows: 40)
            defer { tmux.close() }
            try await tmux.waitFor("Search email")
            try tmux.type("customer@example.com")
            try tmux.press("Enter")
            try await tmux.waitFor("\"enterprise\"")
            try tmux.press("j", "e", "C-u")
            try tmux.type("pro")
            try tmux.press("Enter")
            try await tmux.waitFor("1 unsaved")
            try tmux.press("s")
            try await tmux.waitFor("This exact JSON will be sent")
            try tmux.press("y")
            let saved = try await tmux.waitFor("saved: PUT")
            #expect(!saved.contains("tui-proxy-pw") && !saved.contains(key))

            let reader = try MinimoClient(configuration: MinimoConfiguration(
                baseURL: url, apiKey: "mn-test-reader-0123456789",
                network: NetworkConfiguration(trust: TrustStore(caFile: fixture.caFile))))
            #expect(try await reader.contact(email: "customer@example.com").value.customFields["plan"] == "pro")
            let counts = proxy.snapshot
            #expect(counts.tunnels >= 1, "the TUI's requests went through the proxy")
            #expect(counts.tunnelTargets.allSatisfy { $0 == "127.0.0.1:\(url.port!)" })
            #expect(proxy.bytesFromClients.range(of: Data(key.utf8)) == nil)
            try tmux.press("q")
        }
    }
}

import Foundation
import MinimoKit
import Testing

/// Which proxy a URL takes, per curl's reading of the variables.
struct ProxyRulesTests {
    let api = URL(string: "https://api.minimo.it")!

    func choose(_ url: URL, profile: String? = nil, _ environment: [String: String]) throws -> ProxyServer? {
        try ProxyRules.choose(for: url, profileProxy: profile, environment: environment).proxy
    }

    @Test func variablesInCurlsOrder() throws {
        #expect(try choose(api, [:]) == nil)
        #expect(try choose(api, ["HTTPS_PROXY": "proxy.corp:3128"]) == ProxyServer(host: "proxy.corp", port: 3128))
        // Lowercase first; the first present wins, even empty ("no proxy").
        #expect(try choose(api, ["https_proxy": "http://low:1", "HTTPS_PROXY": "http://up:2"])?.host == "low")
        #expect(try choose(api, ["https_proxy": "", "ALL_PROXY": "http://all:3"]) == nil)
        #expect(try choose(api, ["ALL_PROXY": "http://all:3"])?.host == "all")
        #expect(try choose(api, ["all_proxy": "http://lowall:3", "ALL_PROXY": "http://all:3"])?.host == "lowall")
        // http_proxy is for http URLs only, and HTTPS_PROXY for https only.
        #expect(try choose(api, ["http_proxy": "http://plain:8080"]) == nil)
        let local = URL(string: "http://127.0.0.1:8080")!
        #expect(try choose(local, ["HTTPS_PROXY": "http://secure:1"]) == nil)
        #expect(try choose(local, ["HTTP_PROXY": "http://plain:8080"])?.host == "plain")
        // Without a port: 1080, as curl.
        #expect(try choose(api, ["HTTPS_PROXY": "http://proxy.corp"])?.port == 1080)
    }

    @Test func profileProxyBeatsTheEnvironment() throws {
        #expect(try choose(api, profile: "http://mine:8000", ["HTTPS_PROXY": "http://theirs:1"])?.host == "mine")
        #expect(try choose(api, profile: "", ["HTTPS_PROXY": "http://theirs:1"]) == nil)
        // NO_PROXY applies to it too (as to curl's -x).
        #expect(try choose(api, profile: "http://mine:8000", ["NO_PROXY": "minimo.it"]) == nil)
    }

    @Test func credentialsArePercentDecodedAndMasked() throws {
        let proxy = try #require(try choose(api, ["HTTPS_PROXY": "http://al%40ice:p%3Ass@proxy.corp:3128"]))
        #expect(proxy.username == "al@ice")
        #expect(proxy.password == "p:ss")
        #expect(proxy.masked == "http://al@ice:***@proxy.corp:3128")
        let choice = try ProxyRules.choose(for: api, profileProxy: nil, environment: ["HTTPS_PROXY": "http://u:secret@p:1"])
        #expect(choice.explanation == "proxy http://u:***@p:1 (from HTTPS_PROXY) for https://api.minimo.it:443")
        #expect(!choice.explanation.contains("secret"))
        #expect(ProxyRules.maskUserInfo("http://u:secret@") == "http://u:***@")
        #expect(ProxyRules.maskUserInfo("u:secret@host:1") == "u:***@host:1")
    }

    @Test func unusableProxiesAreRefusedWithoutThePassword() {
        for text in ["http://u:secret@", "socks5://u:secret@h:1080", "https://u:secret@h:443", "ftp://u:secret@h:1", "http://u:secret@h:0", "http://u:secret@h:1/path"] {
            #expect(throws: ProxyRules.SettingError.self, "\(text)") {
                _ = try ProxyRules.choose(for: api, profileProxy: nil, environment: ["HTTPS_PROXY": text])
            }
            do {
                _ = try ProxyRules.choose(for: api, profileProxy: nil, environment: ["HTTPS_PROXY": text])
            } catch {
                #expect(!error.message.contains("secret"), "\(error.message)")
                #expect(error.message.hasPrefix("HTTPS_PROXY '"), "\(error.message)")
            }
        }
    }

    @Test func noProxyMatching() {
        func bypass(_ host: String, _ list: String) -> Bool { ProxyRules.bypasses(host: host, port: 443, noProxy: list) != nil }
        func bypass(_ host: String, _ port: Int, _ list: String) -> Bool { ProxyRules.bypasses(host: host, port: port, noProxy: list) != nil }
        // Suffixes on a label boundary, with or without the leading dot, any case.
        #expect(bypass("api.minimo.it", "minimo.it"))
        #expect(bypass("api.minimo.it", ".minimo.it"))
        #expect(bypass("minimo.it", ".minimo.it"))
        #expect(bypass("API.Minimo.IT", "minimo.it"))
        #expect(bypass("api.minimo.it.", "minimo.it"))
        #expect(!bypass("notminimo.it", "minimo.it"))
        #expect(!bypass("minimo.it.evil.example", "minimo.it"))
        // Lists: commas, spaces.
        #expect(bypass("api.minimo.it", "localhost, example.com,minimo.it"))
        #expect(bypass("api.minimo.it", "localhost example.com minimo.it"))
        #expect(!bypass("api.minimo.it", "localhost,,example.com"))
        // * alone means every host; inside a name it is not a wildcard.
        #expect(bypass("anything.example", "*"))
        #expect(!bypass("anything.example", "*.example"))
        // Ports.
        #expect(bypass("api.minimo.it", 443, "minimo.it:443"))
        #expect(!bypass("api.minimo.it", 8443, "minimo.it:443"))
        // Addresses and prefixes, v4 and v6.
        #expect(bypass("127.0.0.1", "127.0.0.1"))
        #expect(!bypass("127.0.0.10", "127.0.0.1"))
        #expect(bypass("10.1.2.3", "10.0.0.0/8"))
        #expect(!bypass("11.1.2.3", "10.0.0.0/8"))
        #expect(bypass("::1", "::1"))
        #expect(bypass("[::1]", "[::1]:443"))
        #expect(bypass("fd00::5", "fd00::/8"))
        // Loopback is not exempt unless listed (curl does the same).
        #expect(!bypass("127.0.0.1", "localhost"))
    }
}

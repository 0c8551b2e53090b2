import Foundation
import Testing

@testable import MinimoKit
import MinimoTestSupport

/// Copy as curl: the command a user pastes into a shell sends the same request and gets the
/// same answer (a write replays under its idempotency key), and never holds the key.
@Suite struct CurlCommandTests {
    static func run(_ command: String, key: String) async throws -> (status: Int, body: Data) {
        try await CurlCommandRunner.run(command, key: key)
    }

    @Test func aCopiedLookupAndAnUpdateGetTheSameAnswersFromTheSandbox() async throws {
        try await SandboxHarness.with { harness in
            let client = try harness.client()
            let lookup = try await client.contact(email: "customer@example.com")
            let get = lookup.exchange.curlCommand
            #expect(get.contains("\"Authorization: Bearer $MINIMO_API_KEY\""))
            #expect(!get.contains(SandboxHarness.key) && !get.contains("•"))
            let again = try await Self.run(get, key: SandboxHarness.key)
            #expect(again.status == 200)
            #expect(try JSONValue.parse(again.body) == JSONValue.parse(lookup.exchange.responseBody))

            // A write with a body that needs quoting: sent again, the server replays its answer
            // (same idempotency key), and applies nothing twice.
            let update = try await client.updateContact(
                id: lookup.value.id, ContactUpdate(customFields: ["notes": "it's \"quoted\" $HOME `x` \\ done"]), idempotencyKey: "curl-copy-1")
            let put = update.exchange.curlCommand
            #expect(put.contains("-H 'Idempotency-Key: curl-copy-1'"))
            let replayed = try await Self.run(put, key: SandboxHarness.key)
            #expect(replayed.status == update.exchange.status)
            #expect(try JSONValue.parse(replayed.body) == JSONValue.parse(update.exchange.responseBody))
            let after = try await client.contact(email: "customer@example.com").value
            #expect(after.customFields["notes"] == "it's \"quoted\" $HOME `x` \\ done", "the shell expanded nothing")
        }
    }

    @Test func theProfilesCAFileAndProxyGoWithItAndNoPasswordEver() {
        let exchange = RawExchange(
            id: UUID(), startedAt: Date(), method: "GET", url: "https://api.minimo.it/public/v1/contacts/by-email/a%40b.it",
            requestHeaders: [HTTPHeader("Authorization", "Bearer mn-12…•••"), HTTPHeader("Accept", "application/json")], requestBody: nil,
            status: 200, responseHeaders: [], responseBody: Data(), duration: 0.01, quotaAfter: nil, error: nil, attempt: 1)
        let network = NetworkConfiguration(
            trust: TrustStore(caFile: "/etc/company/ca's.pem"),
            proxy: ProxyServer(host: "proxy.corp", port: 3128, username: "alice", password: "s3cret"))
        let command = exchange.curlCommand(network: network)
        #expect(command.contains("--cacert '/etc/company/ca'\\''s.pem'"))
        #expect(command.contains("-x 'http://proxy.corp:3128'"))
        #expect(command.contains("--proxy-user 'alice'"))
        #expect(!command.contains("s3cret") && !command.contains("mn-12"))
        #expect(exchange.curlCommand == exchange.curlCommand(network: .direct))
        #expect(!exchange.curlCommand.contains("--cacert"))
    }
}

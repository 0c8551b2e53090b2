import Foundation
import MinimoKit
import MinimoSandbox
import Testing

@testable import MinimoCache

/// The hostile corpus, read from its one copy in the repository:
/// `Tests/MinimoTUITests/Fixtures/hostile-strings.json` (written by `scripts/hostile-strings.py`).
enum HostileFixture {
    struct Entry: Sendable {
        enum Form: Sendable { case text, surrogateJSON, invalidUTF8 }
        let name: String
        let category: String
        let form: Form
        /// The string (text entries only; empty for the raw forms).
        let text: String
        /// A JSON string literal, quotes included, holding the entry: the encoded text, the raw
        /// literal with lone surrogates, or the invalid bytes in quotes.
        let literal: [UInt8]
    }

    private struct File: Decodable {
        struct Item: Decodable {
            let name: String
            let category: String
            let text: String?
            let `repeat`: String?
            let count: Int?
            let prefix: String?
            let suffix: String?
            let json: String?
            let base64: String?
        }
        let strings: [Item]
    }

    static let url = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent()
        .appendingPathComponent("MinimoTUITests/Fixtures/hostile-strings.json")

    static func load() throws -> [Entry] {
        let file = try JSONDecoder().decode(File.self, from: Data(contentsOf: url))
        return try file.strings.map { item in
            var text = item.text
            if text == nil, let unit = item.repeat, let count = item.count {
                text = (item.prefix ?? "") + String(repeating: unit, count: count) + (item.suffix ?? "")
            }
            if let text {
                return Entry(
                    name: item.name, category: item.category, form: .text, text: text,
                    literal: Array(JSONValue.string(text).serialized()))
            }
            if let json = item.json {
                return Entry(name: item.name, category: item.category, form: .surrogateJSON, text: "", literal: Array(json.utf8))
            }
            let bytes = try #require(item.base64.flatMap { Data(base64Encoded: $0) }, "\(item.name) has no string")
            return Entry(name: item.name, category: item.category, form: .invalidUTF8, text: "", literal: [0x22] + Array(bytes) + [0x22])
        }
    }
}

/// The corpus through the sandbox, the client's decoder and the SQLite cache: every string comes
/// back byte for byte, or the failure is a `MinimoError` that says what happened.
@Suite(.serialized) struct HostileDataTests {
    static func configure(_ configuration: inout SandboxConfiguration) {
        configuration.contactCount = 2
        configuration.rateLimit = RateLimitRule(limit: 1_000_000, window: .seconds(60))
    }

    /// A client that does not retry, so each scripted fault answers exactly one call.
    func client(_ harness: CacheHarness) throws -> MinimoClient {
        try MinimoClient(configuration: MinimoConfiguration(baseURL: harness.baseURL, apiKey: CacheHarness.key, timeout: 30, retry: .none))
    }

    func scriptFault(_ harness: CacheHarness, status: Int, body: [UInt8]) async throws {
        let script: JSONValue = ["next": [["status": .int(Int64(status)), "body_base64": .string(Data(body).base64EncodedString())]]]
        let response = try await AsyncHTTPClientTransport().execute(
            TransportRequest(
                method: "POST", url: harness.baseURL.absoluteString + "/__sandbox/faults",
                headers: [HTTPHeader("Content-Type", "application/json")], body: script.serialized()),
            timeout: 10)
        try #require(response.status == 200, "the sandbox refused the fault: \(String(decoding: response.body, as: UTF8.self))")
    }

    /// The stored form of a contact: every field the server sent, keys sorted.
    func bytes(_ contact: Contact) -> [UInt8] { Array(JSONValue.object(contact.fields).serialized()) }

    @Test func customFieldsRoundTripByteForByteThroughTheDecoderAndTheCache() async throws {
        let corpus = try HostileFixture.load().filter { $0.form == .text }
        #expect(corpus.count >= 200)
        try await CacheHarness.with(Self.configure) { harness in
            let client = try client(harness)
            let store = try harness.store(client: client)
            var checked = 0
            for (index, entry) in corpus.enumerated() {
                let email = "hostile-\(index)@example.com"
                // The string as a value and as a key.
                let upsert = ContactUpsert(email: email, customFields: ["note": .string(entry.text), entry.text: .string("key-\(index)")])
                let created = try await client.upsertContact(upsert)
                #expect(created.value.created, "\(entry.name)")

                let lookup = try await store.contact(email: email)
                #expect(lookup.source == .network)
                let network = lookup.contact
                guard case .string(let note)? = network.customFields["note"] else {
                    Issue.record("\(entry.name): no note came back")
                    continue
                }
                #expect(Array(note.utf8) == Array(entry.text.utf8), "\(entry.name): the value changed on the way")
                let keys = network.customFields.keys.filter { Array($0.utf8) == Array(entry.text.utf8) }
                #expect(keys.count == 1, "\(entry.name): the key changed on the way")
                #expect(keys.first.flatMap { network.customFields[$0] } == .string("key-\(index)"))

                // The cached copy is the network copy, byte for byte, and found by search.
                let cached = try #require(try await store.cachedContact(email: email), "\(entry.name)")
                #expect(bytes(cached.contact) == bytes(network), "\(entry.name): the cache changed it")
                #expect(try await store.contact(email: email).source == .freshCache)
                #expect(try await store.search(email).first?.id == network.id, "\(entry.name)")
                checked += 1
            }
            #expect(checked == corpus.count)
        }
    }

    @Test func emailsRoundTripOrAreRefusedWithAClearError() async throws {
        let corpus = try HostileFixture.load().filter { $0.form == .text }
        try await CacheHarness.with(Self.configure) { harness in
            let client = try client(harness)
            let store = try harness.store(client: client)
            var accepted = 0
            var refused = 0
            for (index, entry) in corpus.enumerated() {
                let email = "h\(index)" + entry.text + "@example.com"
                do {
                    _ = try await client.upsertContact(ContactUpsert(email: email, customFields: ["note": .string(entry.text)]))
                } catch let error as MinimoError {
                    // The sandbox, like the API, refuses what is not an address: a 422 naming the field.
                    #expect(error.status == 422, "\(entry.name): \(error)")
                    #expect(error.kind == .validation(field: "email"), "\(entry.name): \(error)")
                    #expect(error.field == "email")
                    refused += 1
                    continue
                }
                accepted += 1
                let network = try await store.contact(email: email).contact
                #expect(network.email.map { Array($0.utf8) } == Array(email.utf8), "\(entry.name): the email changed on the way")
                let cached = try #require(try await store.cachedContact(email: email), "\(entry.name)")
                #expect(bytes(cached.contact) == bytes(network), "\(entry.name): the cache changed it")
                #expect(try await store.search(email).map(\.id).contains(network.id), "\(entry.name): search does not find it")
                #expect(try await store.search("h\(index)", limit: 1000).map(\.id).contains(network.id), "\(entry.name): prefix search does not find it")
            }
            // Both outcomes happen: hostile addresses the sandbox takes (C1, bidi isolates,
            // zero-width, combining) and ones it refuses (C0, spaces, RLO, 100k characters).
            #expect(accepted >= 40, "accepted \(accepted)")
            #expect(refused >= 100, "refused \(refused)")
            #expect(accepted + refused == corpus.count)
        }
    }

    /// Lone surrogates and invalid UTF-8 in an answer: the client's decoder either refuses the
    /// body with a `.decoding` error, leaving the cache as it was, or reads it (the parser puts
    /// U+FFFD for what is not text), and then the cache holds exactly what was read. Which one
    /// is the parser's choice; the client, the store and the cache must agree with it.
    @Test func bodiesNoStringCanHoldAreReadConsistentlyOrRefusedClearly() async throws {
        let raw = try HostileFixture.load().filter { $0.form != .text }
        #expect(raw.count >= 20)
        try await CacheHarness.with(Self.configure) { harness in
            let client = try client(harness)
            let store = try harness.store(client: client)
            var previous = try await store.contact(email: "customer@example.com").contact
            for entry in raw {
                let body = Array(#"{"data":{"id":42,"email":"customer@example.com","custom_fields":{"note":"#.utf8) + entry.literal + Array("}}}".utf8)
                #expect(throws: (any Error).self, "\(entry.name) is valid JSON text") { try JSONSerialization.jsonObject(with: Data(body)) }
                let parsed = try? Contact(json: JSONValue.parse(Data(body)))
                try await scriptFault(harness, status: 200, body: body)
                do {
                    let read = try await store.contact(email: "customer@example.com", refresh: true).contact
                    let expected = try #require(parsed, "\(entry.name): the store read what the parser refuses")
                    #expect(bytes(read) == bytes(expected), "\(entry.name)")
                    // Read leniently: what is not text is U+FFFD, the text around it is kept.
                    let note = try #require(read.customFields["note"]?.stringValue, "\(entry.name)")
                    #expect(note.unicodeScalars.contains("\u{FFFD}"), "\(entry.name): \(note.debugDescription)")
                    if entry.name == "utf8-ff" { #expect(note == "a\u{FFFD}b") }
                    if entry.name == "lone-high" { #expect(note == "x\u{FFFD}y") }
                    previous = read
                } catch let error as MinimoError {
                    #expect(parsed == nil, "\(entry.name): the store refused what the parser reads: \(error)")
                    #expect(error.kind == .decoding, "\(entry.name): \(error)")
                    #expect(error.message == "the contact body is not valid JSON", "\(entry.name)")
                }
                // The cached copy is the last one read, byte for byte, and the exchange keeps
                // the body exactly as it came.
                let cached = try #require(try await store.cachedContact(email: "customer@example.com"))
                #expect(bytes(cached.contact) == bytes(previous), "\(entry.name)")
                let exchange = try #require(try await store.exchanges().last)
                #expect(Array(exchange.responseBody) == body, "\(entry.name)")
            }
        }
    }

    @Test func errorMessagesKeepEveryStringAndUnreadableOnesSayWhy() async throws {
        let corpus = try HostileFixture.load()
        try await CacheHarness.with(Self.configure) { harness in
            let client = try client(harness)
            for entry in corpus {
                let body = Array(#"{"error":{"code":"validation_error","message":"#.utf8) + entry.literal
                    + Array(#","details":{"field":"email"}}}"#.utf8)
                try await scriptFault(harness, status: 422, body: body)
                do {
                    _ = try await client.upsertContact(ContactUpsert(email: "error-\(entry.name)@example.com"))
                    Issue.record("\(entry.name): the scripted 422 did not come")
                } catch let error as MinimoError {
                    #expect(error.status == 422)
                    switch entry.form {
                    case .text:
                        #expect(Array(error.message.utf8) == Array(entry.text.utf8), "\(entry.name): the message changed")
                        #expect(error.code == "validation_error")
                        #expect(error.kind == .validation(field: "email"))
                    case .surrogateJSON, .invalidUTF8:
                        // The parser's choice again: read leniently, or the reason it could not.
                        if let parsed = try? JSONValue.parse(Data(body)) {
                            #expect(error.message == parsed["error"]?["message"]?.stringValue, "\(entry.name)")
                            #expect(error.message.unicodeScalars.contains("\u{FFFD}"), "\(entry.name)")
                            #expect(error.kind == .validation(field: "email"))
                        } else {
                            #expect(error.message == "HTTP 422 Unprocessable Entity (the body is not the JSON the API documents)", "\(entry.name)")
                            #expect(error.kind == .validation(field: nil))
                        }
                    }
                }
            }
        }
    }
}

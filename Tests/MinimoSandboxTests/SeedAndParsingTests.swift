import Testing

@testable import MinimoSandbox

@Suite("Seed data and configuration parsing")
struct SeedAndParsingTests {
    @Test("Same seed, same data; another seed, other data")
    func determinism() {
        let first = SeedData(contactCount: 80, seed: 7)
        let again = SeedData(contactCount: 80, seed: 7)
        let other = SeedData(contactCount: 80, seed: 8)
        #expect(first.contacts == again.contacts)
        #expect(first.contacts != other.contacts)
        #expect(first.contacts.count == 80)
        #expect(Set(first.contacts.map(\.email)).count == 80)
        #expect(first.contacts.allSatisfy { $0.email == $0.email.lowercased() && ContactValidation.isValidEmail($0.email) })
        #expect(first.contacts.allSatisfy { $0.phone.map(ContactValidation.isValidPhone) ?? true })
        #expect(first.contacts.contains { $0.phone == nil })
        let prefixes = Set(first.contacts.compactMap { $0.phone?.prefix(3) })
        #expect(prefixes.contains("+39") && prefixes.contains("+81"))
        let consents = first.contacts.map(\.marketingConsent.email)
        #expect(consents.contains(true) && consents.contains(false) && consents.contains(nil))
    }

    @Test("Hard cases and the docs' contact are present whatever the count", arguments: [1, 2, 6, 50])
    func hardCases(count: Int) {
        let contacts = SeedData(contactCount: count, seed: 42).contacts
        let values = contacts.flatMap { contact in contact.customFields.map(\.value.serialized) }.joined()
        #expect(contacts.contains { $0.email == "customer@example.com" && $0.phone == "+393391234567" })
        #expect(contacts.contains { $0.email == "josé.müller@example.it" })
        for needle in ["Città di Castello", "山田太郎", "🍣", "\u{202E}", "\\u001b[31m", "\\r", "\"\""] {
            #expect(values.contains(needle), "missing \(needle)")
        }
        #expect(contacts.contains { $0.customFields.contains { $0.value.stringValue?.count ?? 0 >= 5000 } })
        if count >= 42 {
            #expect(contacts[41].email == "customer@example.com")
        }
    }

    @Test("Two sandboxes with the same seed serve the same listing")
    func sameSeedOverHTTP() async throws {
        var bodies: [[UInt8]] = []
        for _ in 0..<2 {
            try await withSandbox(SandboxConfiguration(contactCount: 30, randomSeed: 99)) { client in
                let reply = try await client.get("/public/v1/contacts?limit=100")
                // Two equal error bodies would prove nothing: each must be the listing itself.
                #expect(reply.status == 200)
                #expect(try reply.json["data"]?.arrayValue?.count == 30, "\(reply.text.prefix(200))")
                bodies.append(reply.body)
            }
        }
        #expect(bodies.count == 2)
        #expect(bodies.first == bodies.last)
    }

    @Test("RateLimitRule parses limits with units", arguments: [
        ("100/60s", 100, Duration.seconds(60)), ("10/2s", 10, .seconds(2)), ("500/1m", 500, .seconds(60)),
        ("5/500ms", 5, .milliseconds(500)), ("1000/1h", 1000, .seconds(3600)), (" 7 / 30 ", 7, .seconds(30)),
    ])
    func parseRule(text: String, limit: Int, window: Duration) throws {
        #expect(try RateLimitRule(parsing: text) == RateLimitRule(limit: limit, window: window))
    }

    @Test("RateLimitRule rejects bad input with a clear message", arguments: ["", "100", "0/60s", "-1/60s", "abc/60s", "100/", "100/0s", "100/60x", "100/60s/2"])
    func rejectRule(text: String) {
        do {
            _ = try RateLimitRule(parsing: text)
            Issue.record("\"\(text)\" was accepted")
        } catch let error as SandboxConfigurationError {
            #expect(error.message.contains("LIMIT/WINDOW"))
        } catch {
            Issue.record("unexpected error \(error)")
        }
    }

    @Test("RateLimitRule round-trips through its description")
    func ruleDescription() throws {
        for text in ["100/1m", "10/2s", "5/500ms"] {
            #expect(try RateLimitRule(parsing: text).description == text)
        }
    }
}

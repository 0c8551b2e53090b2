import Foundation
import Testing

@testable import MinimoSandbox

/// `{"status": N, "body_base64": "..."}` in `POST /__sandbox/faults`: the next answer is exactly
/// those bytes, for bodies no JSON string can carry (invalid UTF-8, lone surrogates).
@Suite("Raw-body scripted faults")
struct RawBodyFaultTests {
    @Test("A raw-body fault answers its bytes exactly, with its status and content type, once")
    func rawBodyIsServedByteForByte() async throws {
        try await withSandbox { client in
            let invalidUTF8: [UInt8] = Array(#"{"error":{"code":"validation_error","message":"bad "#.utf8) + [0xFF, 0xC0, 0xAF, 0x9B]
                + Array(#"2J"}}"#.utf8)
            let loneSurrogate = Array(#"{"data":{"id":42,"email":"customer@example.com","custom_fields":{"note":"x\ud800y"}}}"#.utf8)
            let script = """
                {"next":[{"status":422,"body_base64":"\(Data(invalidUTF8).base64EncodedString())"},
                {"status":200,"body_base64":"\(Data(loneSurrogate).base64EncodedString())"},
                {"status":502,"body_base64":"","content_type":"text/plain"}]}
                """
            let queued = try await client.send("POST", "/__sandbox/faults", body: script, key: .some(nil))
            #expect(queued.status == 200)
            #expect(try queued.json["queued"] == .int(3))

            let refused = try await client.send("POST", "/public/v1/contacts", body: #"{"email":"raw@example.com"}"#)
            #expect(refused.status == 422)
            #expect(refused.body == invalidUTF8)
            #expect(refused.header("Content-Type") == "application/json")
            expectRateLimitHeaders(refused)

            let lookup = try await client.get("/public/v1/contacts/by-email/customer%40example.com")
            #expect(lookup.status == 200)
            #expect(lookup.body == loneSurrogate)
            #expect(throws: (any Error).self) { try lookup.json }

            let empty = try await client.get("/public/v1/custom-fields")
            #expect(empty.status == 502)
            #expect(empty.body.isEmpty)
            #expect(empty.header("Content-Type") == "text/plain")

            // Consumed: the next answer is the real one, and the faulted write was not applied.
            let normal = try await client.get("/public/v1/contacts/by-email/customer%40example.com")
            #expect(normal.status == 200)
            #expect(try normal.json["data"]?["email"] == .string("customer@example.com"))
            #expect(try await client.get("/public/v1/contacts/by-email/raw%40example.com").status == 404)
        }
    }

    @Test("A raw-body fault that is not well formed is refused, and nothing is queued")
    func malformedRawFaultsAreRefused() async throws {
        try await withSandbox { client in
            for entry in [
                #"{"status":200}"#, #"{"body_base64":"e30="}"#, #"{"status":99,"body_base64":"e30="}"#,
                #"{"status":200,"body_base64":"not base64!"}"#, #"{"status":200,"body_base64":"e"}"#,
                #"{"status":200,"body_base64":"e30=","content_type":7}"#,
            ] {
                let reply = try await client.send("POST", "/__sandbox/faults", body: #"{"next":["# + entry + "]}", key: .some(nil))
                #expect(reply.status == 400, "\(entry)")
            }
            #expect(try await client.get("/__sandbox/faults", key: .some(nil)).json["queued"] == .int(0))
        }
    }

    @Test("The base64 reader agrees with Foundation's on every length and byte")
    func base64MatchesFoundation() {
        let bytes = (0..<300).map { UInt8(truncatingIfNeeded: $0 * 37 + 11) }
        for length in 0..<40 {
            let sample = Array(bytes[length..<(length * 7 % 260 + length)])
            let encoded = Data(sample).base64EncodedString()
            #expect(ScriptedFault.base64Decoded(encoded) == sample)
            #expect(ScriptedFault.base64Decoded(encoded.replacingOccurrences(of: "=", with: "")) == sample)
        }
    }
}

import Foundation
import Testing

@testable import MinimoKit

/// The hand-written JSON reader against Foundation's, and on the inputs Foundation refuses.
@Suite struct JSONParsingTests {
    /// What `JSONDecoder` makes of the same text, through the Codable conformance.
    func foundation(_ text: String) throws -> JSONValue {
        try JSONDecoder().decode(JSONValue.self, from: Data(text.utf8))
    }

    @Test(arguments: [
        #"{"data":{"id":42,"email":"customer@example.com","custom_fields":{"plan":"pro","seats":12,"ratio":0.25,"vip":true,"notes":null,"tags":["a","b"],"nested":{"x":[1,2,{"y":-3}]}}}}"#,
        #"[]"#, #"{}"#, #"[[[[]]]]"#, #""text""#, #"0"#, #"-0"#, #"-12"#, #"9223372036854775807"#,
        #"-9223372036854775808"#, #"9223372036854775808"#, #"1E-2"#, #"0.1"#, #"true"#, #"null"#,
        #"  {"a" : [ 1 , 2 ] }  "#, #""esc \" \\ \/ \b \f \n \r \t \u00e9 \u6771 \ud83c\udf89""#,
        #""josé+tag@città.it 東京 🎉""#,
    ])
    func sameValueAsFoundation(_ text: String) throws {
        #expect(try JSONValue.parse(Data(text.utf8)) == (try foundation(text)))
    }

    @Test(arguments: [
        "", " ", "{", "[1,]", "{\"a\":1,}", "{'a':1}", "[1 2]", "01", "1.", ".5", "+1", "1e", "tru", "nul", "\"open",
        "\"bad \\x escape\"", "\"\\u12\"", "{\"a\"}", "{1:2}", "[1]]", "// comment\n1", "NaN", "Infinity",
    ])
    func malformedTextIsAnErrorWithAnOffset(_ text: String) {
        #expect(throws: JSONParseError.self) { try JSONValue.parse(Data(text.utf8)) }
    }

    @Test func deepNestingIsRefusedNotACrash() throws {
        let deep = String(repeating: "[", count: 100_000) + String(repeating: "]", count: 100_000)
        let error = try #require(throws: JSONParseError.self) { try JSONValue.parse(Data(deep.utf8)) }
        #expect(error.description.contains("deeper than 512"))
        let fine = String(repeating: "[", count: 512) + String(repeating: "]", count: 512)
        #expect(throws: Never.self) { try JSONValue.parse(Data(fine.utf8)) }
    }

    @Test func badTextInsideAStringBecomesReplacementCharacters() throws {
        // One bad byte in one custom field must not make the whole contact unreadable.
        #expect(try JSONValue.parse(Data(#""lone \ud800 high""#.utf8)) == .string("lone \u{FFFD} high"))
        #expect(try JSONValue.parse(Data(#""lone \udc00 low""#.utf8)) == .string("lone \u{FFFD} low"))
        #expect(try JSONValue.parse(Data(#""\ud800\u0041""#.utf8)) == .string("\u{FFFD}A"))
        var invalid = Data(#"{"name":""#.utf8)
        invalid += [0xFF, 0xC3, 0x28]
        invalid += Data(#""}"#.utf8)
        #expect(try JSONValue.parse(invalid) == .object(["name": .string("\u{FFFD}\u{FFFD}(")]))
        // Raw control characters are kept: the UI shows them escaped.
        #expect(try JSONValue.parse(Data("\"a\u{1B}[2Jb\"".utf8)) == .string("a\u{1B}[2Jb"))
    }

    @Test func numbersKeepTheirWrittenKindAndTheLastDuplicateKeyWins() throws {
        // An exponent or a fraction makes a double, as written; JSONDecoder would make 1.5e3 an Int64.
        #expect(try JSONValue.parse(Data("1.5e3".utf8)) == .double(1500))
        #expect(try JSONValue.parse(Data("12.0".utf8)) == .double(12))
        #expect(try JSONValue.parse(Data("12".utf8)) == .int(12))
        // As JavaScript's JSON.parse does.
        #expect(try JSONValue.parse(Data(#"{"dup":1,"dup":2}"#.utf8)) == .object(["dup": .int(2)]))
    }

    @Test func aByteOrderMarkIsTolerated() throws {
        #expect(try JSONValue.parse(Data([0xEF, 0xBB, 0xBF]) + Data("[1]".utf8)) == .array([.int(1)]))
    }

    @Test func headerNamesCompareWithoutCase() {
        #expect(HTTPHeader.sameName("x-ratelimit-remaining", "X-RateLimit-Remaining"))
        #expect(!HTTPHeader.sameName("X-RateLimit-Reset", "X-RateLimit-Remaining"))
        #expect(!HTTPHeader.sameName("Authorization", "Authorizatio"))
        #expect([HTTPHeader("retry-after", "3")].value(of: "Retry-After") == "3")
    }

    @Test func secretSearchFindsTheKeyAnywhere() {
        let key = "mn-12345-abcdefghij"
        #expect(SecretMask.contains("Bearer " + key, key))
        #expect(SecretMask.contains(key, key))
        #expect(!SecretMask.contains("mn-12345-abcdefghi", key))
        #expect(!SecretMask.contains("", key))
        #expect(SecretMask.contains(Data(("mmmn-" + key).utf8), Data(key.utf8)))
        #expect(SecretMask.redact("?key=\(key)&x=1", secret: key) == "?key=mn-12…•••&x=1")
    }

    // Found by Fuzz/FuzzJSON: "33.0" read back after serialising came out as the integer 33.
    @Test func aNumberWrittenWithAFractionEqualsItsIntegerAfterARoundTrip() throws {
        let value = try JSONValue.parse(Data("33.0".utf8))
        #expect(value == .double(33))
        #expect(try JSONValue.parse(value.serialized()) == value)
        #expect(JSONValue.int(33) == .double(33))
        #expect(JSONValue.int(33).hashValue == JSONValue.double(33).hashValue)
        #expect(JSONValue.int(33) != .double(33.5))
        #expect(JSONValue.int(9_007_199_254_740_993) != .double(9_007_199_254_740_992))
        #expect(Set<JSONValue>([.int(1), .double(1)]).count == 1)
    }

    @Test func aNumberTooBigForADoubleBecomesNullAloneNotTheWholeContact() throws {
        let value = try JSONValue.parse(Data(#"{"id":42,"custom_fields":{"huge":1e999,"plan":"pro"}}"#.utf8))
        let back = try JSONValue.parse(value.serialized())
        #expect(back["custom_fields"]?["plan"] == "pro")
        #expect(back["custom_fields"]?["huge"] == .null)
        #expect(back["id"] == 42)
    }

    // Found by Fuzz/FuzzRateLimitHeaders: X-RateLimit-Remaining 7777777777777777777770 trapped
    // converting to Int.
    @Test(arguments: ["7777777777777777777770", "1e30", "1e15", "inf", "nan", "-1", "12abc"])
    func absurdQuotaHeadersAreIgnoredNotACrash(_ remaining: String) {
        let now = Date(timeIntervalSince1970: 1_800_000_000)
        #expect(QuotaSnapshot.parse(headers: [HTTPHeader("X-RateLimit-Remaining", remaining)], now: now) == nil)
        let limit = QuotaSnapshot.parse(headers: [HTTPHeader("X-RateLimit-Limit", remaining), HTTPHeader("X-RateLimit-Remaining", "5"),
                                                  HTTPHeader("X-RateLimit-Reset", remaining)], now: now)
        #expect(limit?.remaining == 5)
    }

    @Test(arguments: ["-5", "nan", "inf", "1e300"])
    func anAbsurdRetryAfterIsNotTrusted(_ header: String) {
        let error = MinimoError.fromResponse(status: 429, headers: [HTTPHeader("Retry-After", header)], body: Data())
        guard case .rateLimited(let wait) = error.kind else {
            Issue.record("not rate limited: \(error.kind)")
            return
        }
        if let wait { #expect(wait >= 0 && wait <= 86_400) }
    }
}

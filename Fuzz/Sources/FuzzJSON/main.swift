import FuzzKit
import Foundation

// Any bytes: the parser returns a value or throws JSONParseError, never crashes; a value it
// returns serialises and parses back to itself.
@_cdecl("LLVMFuzzerTestOneInput")
public func fuzzJSON(_ start: UnsafeRawPointer, _ count: Int) -> CInt {
    let data = Data(bytes: start, count: count)
    guard let value = try? JSONValue.parse(data) else { return 0 }
    let again = try? JSONValue.parse(value.serialized())
    if !containsNonFinite(value) { precondition(again == value, "round trip changed the value") }
    return 0
}

/// JSON has no NaN or infinity: 1e999 parses to infinity and serialises as null.
func containsNonFinite(_ value: JSONValue) -> Bool {
    switch value {
    case .double(let number): return !number.isFinite
    case .array(let items): return items.contains(where: containsNonFinite)
    case .object(let members): return members.values.contains(where: containsNonFinite)
    default: return false
    }
}

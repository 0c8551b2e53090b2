import FuzzKit
import Foundation

// An error answer of any status with any body and a Retry-After taken from the input: the
// parser always gives a MinimoError with a message, and never a negative wait.
@_cdecl("LLVMFuzzerTestOneInput")
public func fuzzErrorBody(_ start: UnsafeRawPointer, _ count: Int) -> CInt {
    let bytes = UnsafeRawBufferPointer(start: start, count: count)
    guard bytes.count >= 2 else { return 0 }
    let status = 400 + Int(bytes[0]) % 200
    let headerLength = Int(bytes[1]) % 32
    let header = String(decoding: bytes.dropFirst(2).prefix(headerLength), as: UTF8.self)
    let body = Data(bytes.dropFirst(2 + headerLength))
    let error = MinimoError.fromResponse(status: status, headers: [HTTPHeader("Retry-After", header)], body: body)
    precondition(!error.message.isEmpty)
    if case .rateLimited(let wait?) = error.kind { precondition(wait >= 0 && wait.isFinite, "wait \(wait)") }
    return 0
}

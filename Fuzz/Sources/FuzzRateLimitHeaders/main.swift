import FuzzKit
import Foundation

// X-RateLimit-* values from the input (three NUL-separated strings): a snapshot, when there is
// one, never claims more remaining than its limit or a negative figure.
@_cdecl("LLVMFuzzerTestOneInput")
public func fuzzRateLimitHeaders(_ start: UnsafeRawPointer, _ count: Int) -> CInt {
    let text = String(decoding: UnsafeRawBufferPointer(start: start, count: count), as: UTF8.self)
    let parts = text.split(separator: "\0", maxSplits: 2, omittingEmptySubsequences: false).map(String.init)
    var headers: [HTTPHeader] = []
    for (name, value) in zip(["X-RateLimit-Limit", "x-ratelimit-remaining", "X-RATELIMIT-RESET"], parts) {
        headers.append(HTTPHeader(name, value))
    }
    let now = Date(timeIntervalSince1970: 1_800_000_000)
    if let snapshot = QuotaSnapshot.parse(headers: headers, now: now) {
        precondition(snapshot.limit >= 0 && snapshot.remaining >= 0, "negative figures")
        precondition(snapshot.remaining <= max(snapshot.limit, snapshot.remaining))
        _ = snapshot.summary(now: now)
        _ = snapshot.secondsUntilReset(now: now)
    }
    return 0
}

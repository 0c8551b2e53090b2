import Foundation

/// A decoded answer together with what came over the wire: `--json` prints `body` byte for byte,
/// the raw view shows `exchange`.
public struct MinimoResponse<Value: Sendable>: Sendable {
    public var value: Value
    public var status: Int
    public var body: Data
    public var quota: QuotaSnapshot?
    /// The last attempt (earlier attempts, if any, are in the recorder).
    public var exchange: RawExchange
}

import Foundation

/// One request and its answer exactly as they crossed the wire (the raw view and the request log
/// show these), with the API key masked before it is ever stored. A failed attempt (network
/// error) is an exchange too, with no status and the error's text.
public struct RawExchange: Sendable, Hashable, Codable, Identifiable {
    public var id: UUID
    public var startedAt: Date
    public var method: String
    public var url: String
    public var requestHeaders: [HTTPHeader]
    public var requestBody: Data?
    public var status: Int?
    public var responseHeaders: [HTTPHeader]
    public var responseBody: Data
    /// Seconds from sending to the last byte of the answer.
    public var duration: Double
    /// The quota figures this answer carried.
    public var quotaAfter: QuotaSnapshot?
    /// What went wrong when there was no answer (connection refused, timeout...).
    public var error: String?
    /// The cause of `error`, by kind (nil when an answer came; absent from exchanges stored by
    /// older versions).
    public var failure: NetworkFailure.Kind?
    /// 1 for the first try of a request, 2 for its first retry, ...
    public var attempt: Int

    public init(
        id: UUID = UUID(), startedAt: Date, method: String, url: String, requestHeaders: [HTTPHeader],
        requestBody: Data?, status: Int?, responseHeaders: [HTTPHeader], responseBody: Data, duration: Double,
        quotaAfter: QuotaSnapshot?, error: String?, failure: NetworkFailure.Kind? = nil, attempt: Int
    ) {
        self.id = id
        self.startedAt = startedAt
        self.method = method
        self.url = url
        self.requestHeaders = requestHeaders
        self.requestBody = requestBody
        self.status = status
        self.responseHeaders = responseHeaders
        self.responseBody = responseBody
        self.duration = duration
        self.quotaAfter = quotaAfter
        self.error = error
        self.failure = failure
        self.attempt = attempt
    }

    /// The path part of the URL (`/public/v1/contacts/42`), for the request log.
    public var path: String {
        URLComponents(string: url)?.percentEncodedPath ?? url
    }
}

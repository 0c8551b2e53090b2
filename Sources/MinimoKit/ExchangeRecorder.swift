/// Keeps the most recent raw exchanges of this process in memory and hands each new one to
/// subscribers (the cache stores them; the TUI's request log follows them).
public actor ExchangeRecorder {
    public let capacity: Int
    private var buffer: [RawExchange] = []
    private var subscribers: [Int: AsyncStream<RawExchange>.Continuation] = [:]
    private var nextSubscriber = 0
    /// Called with each exchange as it is recorded, before the request's caller gets its answer
    /// (`--debug=curl` prints it there, so the last one is printed before the process ends).
    private let observer: (@Sendable (RawExchange) -> Void)?

    public init(capacity: Int = 500) {
        self.capacity = max(1, capacity)
        self.observer = nil
    }

    public init(capacity: Int = 500, observer: @escaping @Sendable (RawExchange) -> Void) {
        self.capacity = max(1, capacity)
        self.observer = observer
    }

    /// Oldest first.
    public var exchanges: [RawExchange] { buffer }

    public var last: RawExchange? { buffer.last }

    public func record(_ exchange: RawExchange) {
        buffer.append(exchange)
        if buffer.count > capacity { buffer.removeFirst(buffer.count - capacity) }
        for continuation in subscribers.values { continuation.yield(exchange) }
        observer?(exchange)
    }

    /// Every exchange recorded from now on.
    public func updates() -> AsyncStream<RawExchange> {
        let (stream, continuation) = AsyncStream.makeStream(of: RawExchange.self, bufferingPolicy: .bufferingNewest(1000))
        let id = nextSubscriber
        nextSubscriber += 1
        subscribers[id] = continuation
        continuation.onTermination = { _ in Task { await self.unsubscribe(id) } }
        return stream
    }

    private func unsubscribe(_ id: Int) { subscribers[id] = nil }
}

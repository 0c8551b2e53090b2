/// Everything that shapes one sandbox run: where it listens, what data it seeds, which keys it
/// accepts, how strict its rate limit is and what faults it injects.
public struct SandboxConfiguration: Sendable {
    /// Interface to bind; the loopback default keeps the sandbox private to this machine.
    public var host: String
    /// Port to bind; 0 picks a free port (read it from the URL `SandboxServer.start()` returns).
    public var port: Int
    /// Number of seeded contacts. The hard-case contacts and `customer@example.com` are always
    /// among them, so values below 2 are raised to 2.
    public var contactCount: Int
    /// Seed of every random choice (data and faults): same (contactCount, randomSeed), same data.
    public var randomSeed: UInt64
    /// Per-key fixed-window rate limit.
    public var rateLimit: RateLimitRule
    /// Accepted API keys. Empty: any key shaped `mn-<client>-<secret>` (so `mn-test-...` keys too).
    /// `SandboxServer.demoAPIKey` is accepted in every case.
    public var apiKeys: [String]
    /// Whether `GET /contacts` (listing) exists. The docs do not document it, so a client must
    /// cope with a 404 there; set false to test that path.
    public var listingEnabled: Bool
    /// Random faults, off by default.
    public var faults: FaultConfiguration
    /// HTTPS with this certificate and key; nil serves plain HTTP.
    public var tls: SandboxTLS?

    public init(
        host: String = "127.0.0.1",
        port: Int = 0,
        contactCount: Int = 50,
        randomSeed: UInt64 = 42,
        rateLimit: RateLimitRule = RateLimitRule(limit: 100, window: .seconds(60)),
        apiKeys: [String] = [],
        listingEnabled: Bool = true,
        faults: FaultConfiguration = FaultConfiguration(),
        tls: SandboxTLS? = nil
    ) {
        self.host = host
        self.port = port
        self.contactCount = contactCount
        self.randomSeed = randomSeed
        self.rateLimit = rateLimit
        self.apiKeys = apiKeys
        self.listingEnabled = listingEnabled
        self.faults = faults
        self.tls = tls
    }
}

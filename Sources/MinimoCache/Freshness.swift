import Foundation
import MinimoKit

/// How long cached answers are trusted (DESIGN §5). A fresh contact costs no request; a stale
/// one is shown at once and revalidated in the background; a remembered 404 costs nothing
/// until it expires.
public struct FreshnessPolicy: Sendable, Hashable {
    /// Age under which a cached contact is served with no request.
    public var ttl: TimeInterval
    /// How long "no contact with this email" is remembered.
    public var negativeTTL: TimeInterval

    public init(ttl: TimeInterval = 300, negativeTTL: TimeInterval = 60) {
        self.ttl = ttl
        self.negativeTTL = negativeTTL
    }
}

/// Where an answer came from, so the UI can say it (and the CLI with `--verbose`).
public enum LookupSource: String, Sendable, Hashable {
    /// From the cache, younger than the TTL: no request made.
    case freshCache = "fresh cache"
    /// From the cache, older than the TTL: shown now, revalidated in the background.
    case staleCache = "stale cache"
    /// Fetched from the API just now.
    case network = "network"
}

/// A contact and where it came from.
public struct ContactLookup: Sendable {
    public var contact: Contact
    public var source: LookupSource
    /// Seconds since the server sent this copy.
    public var age: TimeInterval
    /// For a stale answer: the background revalidation, which callers may await (the CLI does,
    /// so a short-lived process does not drop it).
    public var revalidation: Task<Contact?, Never>?
    /// The API's body, exactly as received, when the answer came from the network.
    public var body: Data?

    public init(contact: Contact, source: LookupSource, age: TimeInterval, revalidation: Task<Contact?, Never>? = nil, body: Data? = nil) {
        self.contact = contact
        self.source = source
        self.age = age
        self.revalidation = revalidation
        self.body = body
    }
}

/// One row of the search results: enough to list, cheap to fetch.
public struct ContactSummary: Sendable, Hashable, Identifiable {
    public var id: ContactID
    public var email: String?
    public var phone: String?
    public var fetchedAt: Date
    public var deleted: Bool
    /// First and last name, from the contact's own fields or its FIRST_NAME/LAST_NAME fields.
    public var name: String?
    public var status: String?
    /// Custom fields, for the list's columns.
    public var customFields: [String: JSONValue]

    public init(
        id: ContactID, email: String?, phone: String?, fetchedAt: Date, deleted: Bool, name: String? = nil, status: String? = nil,
        customFields: [String: JSONValue] = [:]
    ) {
        self.name = name
        self.status = status
        self.customFields = customFields
        self.id = id
        self.email = email
        self.phone = phone
        self.fetchedAt = fetchedAt
        self.deleted = deleted
    }
}

/// What `minimo cache stats` prints.
public struct CacheStats: Sendable, Hashable {
    public var contacts: Int
    public var staleContacts: Int
    public var rememberedMissing: Int
    public var fieldDefinitions: Int
    public var outbox: [OutboxEntry.State: Int]
    public var exchanges: Int
    public var databaseBytes: Int64
    public var path: String
    public var lastSync: Date?
}

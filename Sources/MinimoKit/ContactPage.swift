/// One page of `GET /contacts?page=&limit=`. The listing is not a documented endpoint; the shape
/// follows the conventions page, and `hasNext` is inferred from a full page when the server sends
/// no pagination block.
public struct ContactPage: Sendable, Hashable {
    public var contacts: [Contact]
    public var page: Int
    public var limit: Int
    public var total: Int?
    public var totalPages: Int?
    public var hasNext: Bool

    public init(contacts: [Contact], page: Int, limit: Int, total: Int? = nil, totalPages: Int? = nil, hasNext: Bool) {
        self.contacts = contacts
        self.page = page
        self.limit = limit
        self.total = total
        self.totalPages = totalPages
        self.hasNext = hasNext
    }

    init(json: JSONValue, requestedPage: Int, requestedLimit: Int) throws {
        guard let items = WireShape.unwrapData(json).arrayValue else {
            throw MinimoError(.decoding, message: "expected a list of contacts")
        }
        contacts = try items.map(Contact.init(json:))
        let pagination = (json["pagination"] ?? json["meta"])?.objectValue ?? [:]
        func int(_ names: String...) -> Int? {
            for name in names { if let value = pagination[name]?.intValue { return Int(value) } }
            return nil
        }
        page = int("page", "current_page", "currentPage") ?? requestedPage
        limit = int("limit", "per_page", "perPage") ?? requestedLimit
        total = int("total")
        totalPages = int("totalPages", "total_pages")
        if let next = WireShape.field(pagination, "hasNext", "has_next").flatMap(MarketingConsent.flag) {
            hasNext = next
        } else if let totalPages {
            hasNext = page < totalPages
        } else {
            hasNext = contacts.count >= limit && !contacts.isEmpty
        }
    }
}

/// Marketing consent per channel. `nil` means unknown: the documented contact object does not
/// carry consent at all, so a missing channel is shown as unknown, never guessed.
public struct MarketingConsent: Sendable, Hashable, Codable {
    public var email: Bool?
    public var whatsapp: Bool?

    public init(email: Bool? = nil, whatsapp: Bool? = nil) {
        self.email = email
        self.whatsapp = whatsapp
    }

    /// True when no channel is set (nothing to send in an update).
    public var isEmpty: Bool { email == nil && whatsapp == nil }

    /// Reads `{"email": true, "whatsapp": false}`; also tolerates `"opted_in"`-style strings and 0/1.
    init(json: JSONValue) {
        let object = json.objectValue ?? [:]
        email = WireShape.field(object, "email").flatMap(Self.flag)
        whatsapp = WireShape.field(object, "whatsapp", "whatsApp", "whats_app").flatMap(Self.flag)
    }

    static func flag(_ value: JSONValue) -> Bool? {
        switch value {
        case .bool(let flag): return flag
        case .int(let number): return number != 0
        case .string(let text):
            switch text.lowercased() {
            case "true", "yes", "on", "1", "opted_in", "opt_in", "subscribed", "granted": return true
            case "false", "no", "off", "0", "opted_out", "opt_out", "unsubscribed", "revoked": return false
            default: return nil
            }
        default: return nil
        }
    }

    var json: JSONValue {
        var object: [String: JSONValue] = [:]
        if let email { object["email"] = .bool(email) }
        if let whatsapp { object["whatsapp"] = .bool(whatsapp) }
        return .object(object)
    }
}

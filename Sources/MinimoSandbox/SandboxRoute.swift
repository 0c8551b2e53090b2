/// The API routes the sandbox serves, each under both `/public/v1` and `/v1`, resolved from the
/// raw (still percent-encoded) path so a path parameter is decoded exactly once.
enum SandboxRoute: Sendable, Equatable {
    case contactByEmail(email: String)
    case listContacts
    case upsertContact
    case updateContact(id: String)
    case deleteContact(id: String)
    case listCustomFields
    case createCustomField
    /// A known path with a method it does not support.
    case methodNotAllowed(allowed: [String])
    /// Nothing here, or a path parameter that is not valid percent-encoding.
    case unknown

    /// The route and its stats name, `METHOD /prefix/template` (for example
    /// `GET /public/v1/contacts/by-email/{email}`), with the prefix the client actually used.
    static func resolve(method: String, path: String) -> (route: SandboxRoute, name: String) {
        var segments = path.split(separator: "/", omittingEmptySubsequences: false).dropFirst()
        if segments.last == "" { segments = segments.dropLast() }
        let prefix: String
        if segments.starts(with: ["public", "v1"]) {
            prefix = "/public/v1"
            segments = segments.dropFirst(2)
        } else if segments.first == "v1" {
            prefix = "/v1"
            segments = segments.dropFirst()
        } else {
            return (.unknown, "\(method) (unmatched)")
        }
        let parts = Array(segments)
        func named(_ route: SandboxRoute, _ template: String) -> (SandboxRoute, String) {
            (route, "\(method) \(prefix)\(template)")
        }
        func only(_ allowed: [String], _ template: String, _ route: () -> SandboxRoute) -> (SandboxRoute, String) {
            allowed.contains(method) ? named(route(), template) : named(.methodNotAllowed(allowed: allowed), template)
        }
        switch parts.count {
        case 1 where parts[0] == "contacts":
            return only(["GET", "POST"], "/contacts") { method == "GET" ? .listContacts : .upsertContact }
        case 1 where parts[0] == "custom-fields":
            return only(["GET", "POST"], "/custom-fields") { method == "GET" ? .listCustomFields : .createCustomField }
        case 2 where parts[0] == "contacts" && parts[1] == "upsert":
            // The alias a guide page uses; "upsert" is never a contact id, so other methods get 405.
            return only(["POST"], "/contacts/upsert") { .upsertContact }
        case 2 where parts[0] == "contacts":
            guard let id = PercentDecoding.decode(parts[1]) else { return named(.unknown, "/contacts/{id}") }
            return only(["PUT", "DELETE"], "/contacts/{id}") { method == "PUT" ? .updateContact(id: id) : .deleteContact(id: id) }
        case 3 where parts[0] == "contacts" && parts[1] == "by-email":
            guard let email = PercentDecoding.decode(parts[2]) else {
                return named(.contactByEmail(email: String(parts[2])), "/contacts/by-email/{email}")
            }
            return only(["GET"], "/contacts/by-email/{email}") { .contactByEmail(email: email) }
        default:
            return (.unknown, "\(method) (unmatched)")
        }
    }
}

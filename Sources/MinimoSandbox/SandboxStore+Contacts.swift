/// The contact endpoints: lookup by email, listing, upsert, update by id, soft delete.
extension SandboxStore {
    /// `GET /contacts/by-email/{email}`: live contacts only; soft-deleted ones answer 404, as the docs say.
    func contactByEmail(_ email: String) throws(APIError) -> SandboxAnswer {
        guard ContactValidation.isValidEmail(email) else {
            throw .badRequest("Invalid email address format", field: "email", value: .string(email))
        }
        guard let contact = indices(ofEmail: email).lazy.map({ self.contacts[$0] }).first(where: { !$0.deleted }) else {
            throw .notFound("Contact not found")
        }
        return .json(200, .object(["data": contact.json]))
    }

    /// `GET /contacts?page=&limit=`: live contacts in id order, paginated as the conventions page shows.
    func listContacts(query: [String: String]) throws(APIError) -> SandboxAnswer {
        guard configuration.listingEnabled else { throw .notFound("Not found") }
        let page = try Self.integerParameter(query, "page", default: 1, range: 1...Int.max, rule: "page must be an integer of at least 1")
        let limit = try Self.integerParameter(query, "limit", default: 25, range: 1...100, rule: "limit must be an integer between 1 and 100")
        // One pass that copies only the page: copying every live contact for each page made a
        // full listing of 100k contacts quadratic (a 90 s sync).
        let start = (page - 1).multipliedReportingOverflow(by: limit)
        let first = start.overflow ? Int.max : start.partialValue
        var total = 0
        var slice: [Contact] = []
        for contact in contacts where !contact.deleted {
            if total >= first, slice.count < limit { slice.append(contact) }
            total += 1
        }
        let totalPages = (total + limit - 1) / limit
        return .json(200, .object([
            "data": .array(slice.map(\.json)),
            "pagination": .object([
                "page": .int(page), "limit": .int(limit), "total": .int(total), "totalPages": .int(totalPages),
                "hasNext": .bool(page < totalPages), "hasPrevious": .bool(page > 1),
            ]),
        ]))
    }

    static func integerParameter(
        _ query: [String: String], _ name: String, default fallback: Int, range: ClosedRange<Int>, rule: String
    ) throws(APIError) -> Int {
        guard let text = query[name] else { return fallback }
        guard let value = decimal(text), range.contains(value) else {
            throw .badRequest(rule, field: name, value: .string(text))
        }
        return value
    }

    /// A whole number written in ASCII digits only (`Int("+42")` would also accept a sign).
    static func decimal(_ text: String) -> Int? {
        guard !text.isEmpty, text.utf8.allSatisfy({ (UInt8(ascii: "0")...UInt8(ascii: "9")).contains($0) }) else { return nil }
        return Int(text)
    }

    /// `POST /contacts` (and `/contacts/upsert`): match by email (case-insensitive), then by phone,
    /// else create. A matched soft-deleted contact is restored. Answers `[{"contactId":"42"}]`,
    /// 201 when created, 200 when matched.
    func upsertContact(body: [UInt8]) throws(APIError) -> SandboxAnswer {
        let patch = try ContactPatch.parse(body: body, requireEmail: true)
        guard let email = patch.email else { throw .validation("Email is required", field: "email", value: nil) }
        var index = Self.preferLive(indices(ofEmail: email), in: contacts)
        var matchedByPhone = false
        if index == nil, case .set(let phone) = patch.phone {
            index = Self.preferLive(contacts.indices.filter { contacts[$0].phone == phone }, in: contacts)
            matchedByPhone = index != nil
        }
        let created = index == nil
        let position: Int
        if let index {
            position = index
            // Matched by email: the stored spelling stays. Matched by phone: the email moves to the new one.
            if matchedByPhone { changeEmail(of: position, to: email) }
            contacts[position].deleted = false
        } else {
            appendContact(Contact(
                id: contacts.count + 1, email: email, phone: nil, status: "active", source: "API", customFields: [],
                company: 1, deleted: false, externalID: nil, externalConnectionID: nil, marketingConsent: MarketingConsent()))
            position = contacts.count - 1
        }
        patch.apply(to: &contacts[position])
        stats.writesApplied += 1
        return .json(created ? 201 : 200, .array([.object(["contactId": .string(String(contacts[position].id))])]))
    }

    /// The indices of the contacts whose email matches `email` case-insensitively, ascending.
    func indices(ofEmail email: String) -> [Int] {
        // The index is keyed by `lowercased()`, which is what `sameEmail` compares; the check
        // keeps the two definitions from drifting apart unnoticed.
        (emailIndex[email.lowercased()] ?? []).filter { ContactValidation.sameEmail(contacts[$0].email, email) }
    }

    func appendContact(_ contact: Contact) {
        emailIndex[contact.email.lowercased(), default: []].append(contacts.count)
        contacts.append(contact)
    }

    func changeEmail(of index: Int, to email: String) {
        let old = contacts[index].email.lowercased()
        emailIndex[old]?.removeAll { $0 == index }
        if emailIndex[old]?.isEmpty == true { emailIndex[old] = nil }
        contacts[index].email = email
        var list = emailIndex[email.lowercased(), default: []]
        list.insert(index, at: list.firstIndex { $0 > index } ?? list.count)
        emailIndex[email.lowercased()] = list
    }

    /// The first live index, else the first soft-deleted one.
    private static func preferLive(_ indices: [Int], in contacts: [Contact]) -> Int? {
        indices.first { !contacts[$0].deleted } ?? indices.first
    }

    /// The index of the contact with this id (as written in the path), deleted or not; 404 otherwise.
    private func contactIndex(id text: String) throws(APIError) -> Int {
        guard let id = Self.decimal(text), id >= 1, id <= contacts.count, contacts[id - 1].id == id else {
            throw .notFound("Contact not found")
        }
        return id - 1
    }

    /// `PUT /contacts/{id}`: only provided fields change, custom fields deep merged, consent per
    /// channel, a soft-deleted contact restored. 409 when the new email belongs to another live contact.
    func updateContact(id: String, body: [UInt8]) throws(APIError) -> SandboxAnswer {
        let index = try contactIndex(id: id)
        let patch = try ContactPatch.parse(body: body, requireEmail: false)
        if let email = patch.email {
            let taken = indices(ofEmail: email).contains { !contacts[$0].deleted && contacts[$0].id != contacts[index].id }
            if taken {
                throw APIError(
                    status: 409, code: "duplicate_resource", message: "A contact with this email already exists",
                    details: .object(["field": "email", "value": .string(email)]))
            }
            changeEmail(of: index, to: email)
        }
        patch.apply(to: &contacts[index])
        contacts[index].deleted = false
        stats.writesApplied += 1
        return .json(200, .object(["data": contacts[index].json]))
    }

    /// `DELETE /contacts/{id}`: soft delete; a second delete answers 404.
    func deleteContact(id: String) throws(APIError) -> SandboxAnswer {
        let index = try contactIndex(id: id)
        guard !contacts[index].deleted else { throw .notFound("Contact not found") }
        contacts[index].deleted = true
        stats.writesApplied += 1
        return .json(200, .object(["data": .object(["id": .int(contacts[index].id), "deleted": true])]))
    }
}

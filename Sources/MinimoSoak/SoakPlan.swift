import Foundation
import MinimoKit

/// One step of the soak's workload, as the worker performs it through `ContactStore`.
struct SoakOperation: Codable, Sendable, Equatable {
    enum Kind: String, Codable, Sendable, CaseIterable {
        case lookup, editFields, setConsent, upsert, delete
    }

    var kind: Kind
    /// The contact an edit, a consent change or a delete addresses. For a contact the soak
    /// created, the id the server will give it (ids are handed out in order, and the outbox
    /// sends in order): the worker stands for a user who looked the contact up first.
    var contactID: Int?
    /// The address a lookup or an upsert uses.
    var email: String?
    /// A lookup that bypasses the cache (otherwise a fresh cached copy answers it).
    var refresh: Bool?
    /// The custom fields an edit or an upsert sets, as JSON text (`null` removes, objects merge).
    /// Each carries `soak_op` (this operation's index), so the edit can be told apart.
    var customFields: String?
    var consentEmail: Bool?
    var consentWhatsapp: Bool?
    /// A delete of a contact already deleted: the server answers 404 and nothing is applied.
    var noop: Bool?
    /// The worker that performs it (0 with one worker; see `SoakPlan` for the split).
    var worker: Int?
    /// For an edit, a consent change or a delete of a contact the soak created: the index of the
    /// upsert that created it. With several workers the server's id for it is not known in
    /// advance (see `SoakPlan`), and the worker reads it from that upsert's outbox entry.
    var createdBy: Int?
    /// For an upsert that creates a contact: the id the model gave it (the server's, with one
    /// worker; a stand-in the verdict maps to the server's through the outbox, with several).
    var creates: Int?

    var isWrite: Bool { kind != .lookup }
    var workerIndex: Int { worker ?? 0 }
}

/// The deterministic workload: generated once by the parent from a seed and the sandbox's
/// initial contacts, written to `plan.json`, read by every worker.
///
/// **Several workers** (`--workers N`): the plan is one sequence, generated and modelled as for
/// one worker, then split **by contact**. Every contact has one owner: a seeded contact the
/// worker `id % N`, a contact the soak creates the worker `i % N`, `i` being the index of the
/// upsert that creates it. Every write addressing a contact (edit, consent change, delete, and
/// upsert, which addresses the contact its email matches) goes to the contact's owner, which
/// performs its share in plan order; lookups, which change nothing on the server, go round robin
/// (`i % N`), so workers also read contacts that others are editing. All workers share one cache
/// database (so one outbox, drained by all of them: any worker may send any other's entries) and
/// one quota ledger.
///
/// Why the model stays exact: the server's state of a contact depends only on the writes to that
/// contact and their order (deep merge, consent per channel, restore by update or upsert); no
/// write reads or changes another contact. One worker queues all of a contact's writes, in plan
/// order, so they sit in the outbox in that order, and the outbox must send one contact's edits
/// in the order they were queued, whichever processes send them (an entry another process holds
/// blocks the later edits of the same contact). So each contact ends as the model says, and how
/// the workers interleave does not matter. The one thing that does depend on the interleaving is
/// the id the server gives a new contact (ids are handed out in order of arrival, and several
/// processes send at once): with several workers the model's ids of created contacts are
/// stand-ins; an operation on such a contact names its creating upsert (`createdBy`), the
/// worker reads the real id from that upsert's outbox entry once it is sent (a user looks a
/// new contact up before editing it by id), and the verdict maps stand-ins to real ids the same
/// way (and checks the email). With one worker the ids are predicted, as before, and an edit
/// can be queued before the create that precedes it is sent.
struct SoakPlan: Codable, Sendable {
    var operations: [SoakOperation]
    var workers = 1

    static func load(_ url: URL) throws -> SoakPlan {
        try JSONDecoder().decode(SoakPlan.self, from: Data(contentsOf: url))
    }

    func save(_ url: URL) throws {
        try JSONEncoder().encode(self).write(to: url, options: .atomic)
    }

    /// A plan of `count` operations: about 30% lookups (half of them refreshing), 30% custom-field
    /// edits, 15% consent changes, 15% upserts (half new addresses, half existing ones in another
    /// letter case), 10% deletes. `model` ends as the state the server must hold afterwards.
    static func generate(count: Int, seed: UInt64, workers: Int = 1, model: inout SoakModel) -> SoakPlan {
        let workers = max(1, workers)
        var random = SoakRandom(seed: seed)
        var operations: [SoakOperation] = []
        operations.reserveCapacity(count)
        for index in 0..<count {
            let roll = random.unit()
            var operation: SoakOperation
            if roll < 0.30 || model.contacts.isEmpty {
                operation = SoakOperation(kind: .lookup, email: random.pick(model.allEmails), refresh: random.chance(0.5))
            } else if roll < 0.60 {
                // One edit in ten goes to a deleted contact, which the update restores.
                let target = random.chance(0.1) ? random.pick(model.deletedIDs) ?? random.pick(model.liveIDs) : random.pick(model.liveIDs)
                operation = SoakOperation(
                    kind: .editFields, contactID: target ?? 1, customFields: Self.fieldEdit(index, &random))
            } else if roll < 0.75 {
                let channels = random.int(below: 3)
                operation = SoakOperation(
                    kind: .setConsent, contactID: random.pick(model.liveIDs) ?? 1,
                    consentEmail: channels != 1 ? random.chance(0.5) : nil,
                    consentWhatsapp: channels != 0 ? random.chance(0.5) : nil)
            } else if roll < 0.90 {
                let email: String
                if random.chance(0.5), let existing = random.pick(model.allEmails) {
                    email = random.chance(0.5) ? existing.uppercased() : existing
                } else {
                    email = "soak-\(seed)-\(index)@example.com"
                }
                operation = SoakOperation(
                    kind: .upsert, email: email, customFields: Self.fieldEdit(index, &random),
                    consentEmail: random.chance(0.3) ? random.chance(0.5) : nil)
            } else if model.liveIDs.count > model.contacts.count / 2, let target = random.pick(model.liveIDs) {
                operation = SoakOperation(kind: .delete, contactID: target)
            } else {
                // Too many deleted already: delete one again (a 404, which means done).
                operation = SoakOperation(kind: .delete, contactID: random.pick(model.deletedIDs) ?? 1)
            }
            if operation.kind == .delete { operation.noop = model.contacts[operation.contactID ?? 0]?.deleted ?? true }
            // The split: writes to the contact's owner, lookups round robin.
            switch operation.kind {
            case .lookup:
                operation.worker = index % workers
            case .upsert:
                if let target = model.upsertTarget(operation.email ?? "") {
                    operation.worker = target.owner
                } else {
                    operation.worker = index % workers
                    operation.creates = model.nextID
                }
            case .editFields, .setConsent, .delete:
                let target = model.contacts[operation.contactID ?? 0]
                operation.worker = target?.owner ?? 0
                operation.createdBy = target?.createdBy
            }
            model.apply(operation, at: index, workers: workers)
            operations.append(operation)
        }
        return SoakPlan(operations: operations, workers: workers)
    }

    /// The indices of worker `worker`'s operations, in order.
    func indices(of worker: Int) -> [Int] {
        operations.indices.filter { operations[$0].workerIndex == worker }
    }

    /// One to three custom fields, with values unique to this operation where they can be.
    private static func fieldEdit(_ index: Int, _ random: inout SoakRandom) -> String {
        var fields: [String: JSONValue] = ["soak_op": .int(Int64(index))]
        let choices: [(String, (inout SoakRandom) -> JSONValue)] = [
            ("notes", { _ in .string("soak edit \(index)") }),
            ("city", { random in .string("\(random.pick(["Milano", "Roma", "Torino", "Napoli"]) ?? "Bari") \(index)") }),
            ("seats", { _ in .int(Int64(index % 500 + 1)) }),
            ("plan", { random in .string(random.pick(["free", "pro", "enterprise"]) ?? "free") }),
            ("vip", { random in .bool(random.chance(0.5)) }),
            ("preferences", { random in .object(["soak": .int(Int64(index)), "theme": .string(random.chance(0.5) ? "dark" : "light")]) }),
            ("nickname", { random in random.chance(0.3) ? .null : .string("nick \(index)") }),
        ]
        for _ in 0...random.int(below: 3) {
            let choice = choices[random.int(below: choices.count)]
            fields[choice.0] = choice.1(&random)
        }
        return String(decoding: JSONValue.object(fields).serialized(), as: UTF8.self)
    }
}

/// What the server should hold, by the API's documented rules: custom fields deep merged (`null`
/// removes), consent per channel, an update or an upsert restoring a soft-deleted contact, an
/// upsert matching by email without regard to case, new contacts numbered in order.
struct SoakModel: Sendable {
    struct Entry: Sendable, Equatable {
        var id: Int
        var email: String
        var customFields: [String: JSONValue]
        var consentEmail: Bool?
        var consentWhatsapp: Bool?
        var deleted: Bool
        /// The worker whose operations write to it (see `SoakPlan`).
        var owner = 0
        /// The upsert that created it; nil for a contact the sandbox started with.
        var createdBy: Int?
    }

    var contacts: [Int: Entry] = [:]
    var nextID = 1

    init(contacts: [Contact], workers: Int = 1) {
        for contact in contacts {
            guard let id = Int(contact.id.rawValue) else { continue }
            self.contacts[id] = Entry(
                id: id, email: contact.email ?? "", customFields: contact.customFields,
                consentEmail: contact.marketingConsent?.email, consentWhatsapp: contact.marketingConsent?.whatsapp,
                deleted: contact.deleted, owner: id % max(1, workers))
            nextID = max(nextID, id + 1)
        }
    }

    /// The contact an upsert with this email matches (a live one first), or nil: it creates one.
    func upsertTarget(_ email: String) -> Entry? {
        let matches = contacts.values.filter { $0.email.lowercased() == email.lowercased() }.sorted { $0.id < $1.id }
        return matches.first { !$0.deleted } ?? matches.first
    }

    var liveIDs: [Int] { contacts.values.filter { !$0.deleted }.map(\.id).sorted() }
    var deletedIDs: [Int] { contacts.values.filter(\.deleted).map(\.id).sorted() }
    var allEmails: [String] { contacts.values.sorted { $0.id < $1.id }.map(\.email) }

    /// Applies operation `index` of the plan; a contact it creates belongs to worker `index % workers`.
    mutating func apply(_ operation: SoakOperation, at index: Int = 0, workers: Int = 1) {
        let fields = operation.customFields.flatMap { try? JSONValue.parse(Data($0.utf8)).objectValue } ?? [:]
        switch operation.kind {
        case .lookup:
            return
        case .editFields, .setConsent:
            guard let id = operation.contactID, var entry = contacts[id] else { return }
            entry.customFields = Self.merge(entry.customFields, fields)
            if let email = operation.consentEmail { entry.consentEmail = email }
            if let whatsapp = operation.consentWhatsapp { entry.consentWhatsapp = whatsapp }
            entry.deleted = false
            contacts[id] = entry
        case .upsert:
            guard let email = operation.email else { return }
            var entry = upsertTarget(email)
                ?? Entry(
                    id: nextID, email: email, customFields: [:], consentEmail: nil, consentWhatsapp: nil, deleted: false,
                    owner: index % max(1, workers), createdBy: index)
            if entry.id == nextID { nextID += 1 }
            entry.customFields = Self.merge(entry.customFields, fields)
            if let consent = operation.consentEmail { entry.consentEmail = consent }
            if let whatsapp = operation.consentWhatsapp { entry.consentWhatsapp = whatsapp }
            entry.deleted = false
            contacts[entry.id] = entry
        case .delete:
            guard let id = operation.contactID else { return }
            contacts[id]?.deleted = true
        }
    }

    static func merge(_ target: [String: JSONValue], _ patch: [String: JSONValue]) -> [String: JSONValue] {
        var result = target
        for (key, value) in patch {
            switch (result[key], value) {
            case (_, .null): result[key] = nil
            case (.object(let existing)?, .object(let nested)): result[key] = .object(merge(existing, nested))
            case (_, .object(let nested)): result[key] = .object(merge([:], nested))
            default: result[key] = value
            }
        }
        return result
    }
}

/// SplitMix64: the same seed gives the same plan, run after run.
struct SoakRandom: Sendable {
    private var state: UInt64

    init(seed: UInt64) { state = seed }

    mutating func next() -> UInt64 {
        state &+= 0x9E37_79B9_7F4A_7C15
        var z = state
        z = (z ^ (z >> 30)) &* 0xBF58_476D_1CE4_E5B9
        z = (z ^ (z >> 27)) &* 0x94D0_49BB_1331_11EB
        return z ^ (z >> 31)
    }

    /// Uniform in [0, 1).
    mutating func unit() -> Double { Double(next() >> 11) / Double(1 << 53) }
    mutating func chance(_ probability: Double) -> Bool { unit() < probability }
    mutating func int(below bound: Int) -> Int { bound <= 1 ? 0 : Int(next() % UInt64(bound)) }
    mutating func pick<T>(_ items: [T]) -> T? { items.isEmpty ? nil : items[int(below: items.count)] }
}

import Foundation
import MinimoCache
import MinimoKit

/// The end of a soak: every saved edit traced to the sandbox's applied writes, the sandbox's
/// contacts compared with the model, and the quota checked.
///
/// Each write of the plan is paired with its outbox entry (the outbox keeps its entries, sent
/// ones as `done`): a field edit or an upsert by its `soak_op` marker; a consent change or a
/// delete as the n-th entry of that kind for that contact, since one worker queues all of a
/// contact's writes, in plan order (see `SoakPlan`). Each entry's idempotency key then finds
/// what the sandbox applied for it. The ids the model gave contacts the soak created are mapped
/// to the server's through their creating upsert's entry.
struct SoakVerdict: Sendable {
    var writes = 0
    var entries = 0
    var confirmed = 0
    /// Deletes of a contact already deleted: answered 404, nothing to apply, which is done.
    var noopDeletes = 0
    var stillQueued = 0
    var refused = 0
    var conflicts = 0
    /// Saved edits that are neither applied nor still in the outbox (or never saved).
    var lost = 0
    /// Writes applied more than once: the same key applied twice, a write the sandbox applied
    /// under a key no outbox entry has (sent again under a new key), or an edit queued twice.
    var appliedTwice = 0
    var pairingErrors = 0
    var contactsCompared = 0
    var mismatches: [String] = []
    var integrity: [String] = []
    /// 429s the sandbox answered because the key's window was spent (not injected faults):
    /// requests the quota gate should have held back.
    var windowRateLimited = 0
    /// Writes of one contact that the sandbox applied in another order than their outbox order
    /// (the outbox promises one contact's edits reach the server in the order they were made),
    /// each as "contact C: entry A (kind) applied after entry B (kind)".
    var outOfOrder: [String] = []

    var passed: Bool {
        lost == 0 && appliedTwice == 0 && mismatches.isEmpty && integrity == ["ok"] && stillQueued == 0 && refused == 0
            && conflicts == 0 && pairingErrors == 0 && windowRateLimited == 0 && outOfOrder.isEmpty
    }

    /// The `soak_op` marker of an entry's custom fields: the plan index of a field edit or an upsert.
    static func marker(of entry: OutboxEntry) -> Int? {
        entry.body["customFields"]?["soak_op"]?.intValue.map(Int.init)
    }

    /// What pairs a write of the plan with its outbox entry.
    private enum Pairing: Hashable {
        case marked(OutboxEntry.Kind, Int)
        case nth(OutboxEntry.Kind, String, Int)
    }

    init(
        plan: SoakPlan, model: SoakModel, entries: [OutboxEntry], applied: [JSONValue], final: [Contact], integrity: [String],
        windowRateLimited: Int = 0
    ) {
        self.integrity = integrity
        self.windowRateLimited = windowRateLimited
        self.entries = entries.count
        let ids = Self.serverIDs(plan: plan, model: model, entries: entries, final: final)
        var timesApplied: [String: Int] = [:]
        var unkeyed = 0
        for write in applied {
            if let key = write["idempotencyKey"]?.stringValue { timesApplied[key, default: 0] += 1 } else { unkeyed += 1 }
        }
        let keys = Set(entries.map(\.idempotencyKey))
        appliedTwice = unkeyed + timesApplied.filter { !keys.contains($0.key) }.values.reduce(0, +)

        // The entries by pairing, in queue order.
        var byPairing: [Pairing: [OutboxEntry]] = [:]
        var counts: [Pairing: Int] = [:]
        for entry in entries {
            let pairing: Pairing
            if let marker = Self.marker(of: entry) {
                pairing = .marked(entry.kind, marker)
            } else {
                let counter = Pairing.nth(entry.kind, entry.contactID?.rawValue ?? entry.email ?? "", 0)
                pairing = .nth(entry.kind, entry.contactID?.rawValue ?? entry.email ?? "", counts[counter, default: 0])
                counts[counter, default: 0] += 1
            }
            byPairing[pairing, default: []].append(entry)
        }
        counts = [:]
        for (index, operation) in plan.operations.enumerated() where operation.isWrite {
            writes += 1
            let pairing: Pairing
            let serverID = operation.contactID.map { ids[$0] ?? String($0) } ?? ""
            switch operation.kind {
            case .editFields: pairing = .marked(.update, index)
            case .upsert: pairing = .marked(.upsert, index)
            case .setConsent, .delete:
                let kind: OutboxEntry.Kind = operation.kind == .delete ? .delete : .update
                let counter = Pairing.nth(kind, serverID, 0)
                pairing = .nth(kind, serverID, counts[counter, default: 0])
                counts[counter, default: 0] += 1
            case .lookup: continue
            }
            guard let found = byPairing.removeValue(forKey: pairing), let entry = found.first else {
                lost += 1  // never saved
                continue
            }
            appliedTwice += found.count - 1  // queued more than once
            if !Self.entry(entry, isFor: operation, serverID: serverID, at: index) { pairingErrors += 1 }
            let times = timesApplied[entry.idempotencyKey] ?? 0
            appliedTwice += max(0, times - 1)
            switch entry.state {
            case .done:
                if times > 0 {
                    confirmed += 1
                } else if operation.noop == true {
                    noopDeletes += 1
                } else {
                    lost += 1
                }
            case .pending, .sending: stillQueued += 1
            case .failed: refused += 1
            case .conflict: conflicts += 1
            }
        }
        // Entries no operation explains: an edit queued that the plan does not hold.
        pairingErrors += byPairing.values.reduce(0) { $0 + $1.count }
        checkOrder(entries: entries, applied: applied)
        compare(model: model, final: final, ids: ids)
    }

    /// Each contact's writes, in the order the sandbox applied them, against their outbox order.
    private mutating func checkOrder(entries: [OutboxEntry], applied: [JSONValue]) {
        let byKey = Dictionary(entries.map { ($0.idempotencyKey, $0) }, uniquingKeysWith: { first, _ in first })
        var last: [String: OutboxEntry] = [:]
        for write in applied {
            guard let key = write["idempotencyKey"]?.stringValue, let entry = byKey[key], let contact = entry.contactID?.rawValue
            else { continue }
            if let previous = last[contact], previous.seq > entry.seq {
                outOfOrder.append(
                    "contact \(contact): entry \(entry.seq) (\(entry.kind.rawValue)\(entry.email == nil ? " by id" : "")) applied after entry \(previous.seq) (\(previous.kind.rawValue)\(previous.email == nil ? " by id" : ""))")
            }
            if last[contact].map({ $0.seq < entry.seq }) ?? true { last[contact] = entry }
        }
    }

    /// The server's id of each contact of the model that the soak created (by the model's id):
    /// from its creating upsert's outbox entry, else from the sandbox's contacts by email.
    private static func serverIDs(plan: SoakPlan, model: SoakModel, entries: [OutboxEntry], final: [Contact]) -> [Int: String] {
        var byMarker: [Int: ContactID] = [:]
        for entry in entries where entry.kind == .upsert {
            if let marker = marker(of: entry), let id = entry.contactID { byMarker[marker] = id }
        }
        var byEmail: [String: String] = [:]
        for contact in final { if let email = contact.email { byEmail[email.lowercased()] = contact.id.rawValue } }
        var ids: [Int: String] = [:]
        for (index, operation) in plan.operations.enumerated() {
            guard let stand = operation.creates else { continue }
            ids[stand] = byMarker[index]?.rawValue ?? byEmail[(operation.email ?? "").lowercased()]
        }
        return ids
    }

    private static func entry(_ entry: OutboxEntry, isFor operation: SoakOperation, serverID: String, at index: Int) -> Bool {
        let marker = Self.marker(of: entry)
        switch operation.kind {
        case .editFields: return entry.kind == .update && entry.contactID?.rawValue == serverID && marker == index
        case .setConsent: return entry.kind == .update && entry.contactID?.rawValue == serverID && marker == nil
        case .upsert: return entry.kind == .upsert && entry.email == operation.email && marker == index
        case .delete: return entry.kind == .delete && entry.contactID?.rawValue == serverID
        case .lookup: return false
        }
    }

    private mutating func compare(model: SoakModel, final: [Contact], ids: [Int: String]) {
        var server: [Int: Contact] = [:]
        for contact in final {
            guard let id = Int(contact.id.rawValue) else {
                mismatches.append("the sandbox lists a contact with id \(contact.id.rawValue)")
                continue
            }
            server[id] = contact
        }
        for expected in model.contacts.values.sorted(by: { $0.id < $1.id }) {
            contactsCompared += 1
            // A created contact by the server's id for it (the same as the model's with one worker).
            let serverID = expected.createdBy == nil ? expected.id : ids[expected.id].flatMap { Int($0) }
            guard let serverID else {
                mismatches.append("contact <\(expected.email)> (created by operation \(expected.createdBy ?? -1)): the server has no id for it")
                continue
            }
            let found = server.removeValue(forKey: serverID)
            if expected.deleted {
                if found != nil { mismatches.append("contact \(serverID): deleted by the plan, live on the sandbox") }
                continue
            }
            guard let found else {
                mismatches.append("contact \(serverID) <\(expected.email)>: live by the plan, missing or deleted on the sandbox")
                continue
            }
            if found.email?.lowercased() != expected.email.lowercased() {
                mismatches.append("contact \(serverID): email \(found.email ?? "none"), expected \(expected.email)")
            }
            if found.customFields != expected.customFields {
                let keys = Set(found.customFields.keys).union(expected.customFields.keys)
                    .filter { found.customFields[$0] != expected.customFields[$0] }.sorted()
                let detail = keys.prefix(3).map {
                    "\($0): \(found.customFields[$0]?.displayText ?? "absent"), expected \(expected.customFields[$0]?.displayText ?? "absent")"
                }
                mismatches.append("contact \(serverID) custom fields differ: \(detail.joined(separator: "; "))")
            }
            if let email = expected.consentEmail, found.marketingConsent?.email != email {
                mismatches.append("contact \(serverID): email consent \(String(describing: found.marketingConsent?.email)), expected \(email)")
            }
            if let whatsapp = expected.consentWhatsapp, found.marketingConsent?.whatsapp != whatsapp {
                mismatches.append(
                    "contact \(serverID): WhatsApp consent \(String(describing: found.marketingConsent?.whatsapp)), expected \(whatsapp)")
            }
        }
        for id in server.keys.sorted() {
            mismatches.append("contact \(id) is on the sandbox but no operation of the plan created it")
        }
    }
}

extension JSONValue {
    /// Compact JSON text, for messages.
    var displayText: String { String(decoding: serialized(), as: UTF8.self) }
}

import Foundation
import MinimoCache
import MinimoKit

/// The end of a soak: every saved edit traced to the sandbox's applied writes, and the
/// sandbox's contacts compared with the model.
///
/// The outbox keeps its entries (sent ones as `done`) and the worker queues each write of the
/// plan exactly once, so the k-th outbox entry is the k-th write of the plan; each entry's
/// idempotency key then finds what the sandbox applied for it.
struct SoakVerdict: Sendable {
    var writes = 0
    var entries = 0
    var confirmed = 0
    /// Deletes of a contact already deleted: answered 404, nothing to apply, which is done.
    var noopDeletes = 0
    var stillQueued = 0
    var refused = 0
    var conflicts = 0
    /// Saved edits that are neither applied nor still in the outbox.
    var lost = 0
    /// Writes applied more than once: the same key applied twice, a write the sandbox applied
    /// under a key no outbox entry has (sent again under a new key), or an edit queued twice.
    var appliedTwice = 0
    var pairingErrors = 0
    var contactsCompared = 0
    var mismatches: [String] = []
    var integrity: [String] = []

    var passed: Bool {
        lost == 0 && appliedTwice == 0 && mismatches.isEmpty && integrity == ["ok"] && stillQueued == 0 && refused == 0
            && conflicts == 0 && pairingErrors == 0
    }

    init(plan: SoakPlan, model: SoakModel, entries: [OutboxEntry], applied: [JSONValue], final: [Contact], integrity: [String]) {
        self.integrity = integrity
        let writeOperations = plan.operations.enumerated().filter { $0.element.isWrite }
        writes = writeOperations.count
        self.entries = entries.count
        var timesApplied: [String: Int] = [:]
        var unkeyed = 0
        for write in applied {
            if let key = write["idempotencyKey"]?.stringValue { timesApplied[key, default: 0] += 1 } else { unkeyed += 1 }
        }
        let keys = Set(entries.map(\.idempotencyKey))
        appliedTwice = unkeyed + timesApplied.filter { !keys.contains($0.key) }.values.reduce(0, +)
        appliedTwice += max(0, entries.count - writeOperations.count)
        for (position, operation) in writeOperations.enumerated() {
            guard position < entries.count else {
                lost += 1
                continue
            }
            let entry = entries[position]
            if !Self.entry(entry, isFor: operation.element, at: operation.offset) { pairingErrors += 1 }
            let times = timesApplied[entry.idempotencyKey] ?? 0
            appliedTwice += max(0, times - 1)
            switch entry.state {
            case .done:
                if times > 0 {
                    confirmed += 1
                } else if operation.element.noop == true {
                    noopDeletes += 1
                } else {
                    lost += 1
                }
            case .pending, .sending: stillQueued += 1
            case .failed: refused += 1
            case .conflict: conflicts += 1
            }
        }
        compare(model: model, final: final)
    }

    private static func entry(_ entry: OutboxEntry, isFor operation: SoakOperation, at index: Int) -> Bool {
        let marker = entry.body["customFields"]?["soak_op"]?.intValue.map(Int.init)
        let id = operation.contactID.map(String.init)
        switch operation.kind {
        case .editFields: return entry.kind == .update && entry.contactID?.rawValue == id && marker == index
        case .setConsent: return entry.kind == .update && entry.contactID?.rawValue == id && marker == nil
        case .upsert: return entry.kind == .upsert && entry.email == operation.email && marker == index
        case .delete: return entry.kind == .delete && entry.contactID?.rawValue == id
        case .lookup: return false
        }
    }

    private mutating func compare(model: SoakModel, final: [Contact]) {
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
            let found = server.removeValue(forKey: expected.id)
            if expected.deleted {
                if found != nil { mismatches.append("contact \(expected.id): deleted by the plan, live on the sandbox") }
                continue
            }
            guard let found else {
                mismatches.append("contact \(expected.id) <\(expected.email)>: live by the plan, missing or deleted on the sandbox")
                continue
            }
            if found.email?.lowercased() != expected.email.lowercased() {
                mismatches.append("contact \(expected.id): email \(found.email ?? "none"), expected \(expected.email)")
            }
            if found.customFields != expected.customFields {
                let keys = Set(found.customFields.keys).union(expected.customFields.keys)
                    .filter { found.customFields[$0] != expected.customFields[$0] }.sorted()
                let detail = keys.prefix(3).map {
                    "\($0): \(found.customFields[$0]?.displayText ?? "absent"), expected \(expected.customFields[$0]?.displayText ?? "absent")"
                }
                mismatches.append("contact \(expected.id) custom fields differ: \(detail.joined(separator: "; "))")
            }
            if let email = expected.consentEmail, found.marketingConsent?.email != email {
                mismatches.append("contact \(expected.id): email consent \(String(describing: found.marketingConsent?.email)), expected \(email)")
            }
            if let whatsapp = expected.consentWhatsapp, found.marketingConsent?.whatsapp != whatsapp {
                mismatches.append(
                    "contact \(expected.id): WhatsApp consent \(String(describing: found.marketingConsent?.whatsapp)), expected \(whatsapp)")
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

import Foundation
import MinimoKit

/// The unsaved changes of the open contact: custom-field values and consent, and the undo
/// stack. Nothing here is sent until the review's `y`; quitting keeps it as a draft.
public struct EditDraft: Sendable, Hashable {
    /// Unsaved custom-field values by key; `.null` deletes the field.
    public var fields: [String: JSONValue] = [:]
    /// Unsaved consent changes (only the channels changed are set).
    public var consent = MarketingConsent()
    public var undoStack: [DraftChange] = []

    public init() {}

    /// Unsaved changes, as the status bar counts them.
    public var count: Int { fields.count + (consent.email == nil ? 0 : 1) + (consent.whatsapp == nil ? 0 : 1) }

    /// Sets a field's unsaved value (nil: back to the server's), undoably.
    mutating func set(_ key: String, _ value: JSONValue?) {
        undoStack.append(.field(key: key, previous: fields[key]))
        fields[key] = value
    }

    /// Undoes the last change; false when there is none.
    mutating func undo() -> Bool {
        guard let last = undoStack.popLast() else { return false }
        switch last {
        case .field(let key, let previous): fields[key] = previous
        case .consent(let previous): consent = previous
        }
        return true
    }
}

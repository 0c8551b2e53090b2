import Foundation
import MinimoCache
import MinimoKit

/// Where the outbox view (`O`, `:outbox`) stands: the selected entry, and whether it asks
/// before dropping it.
public struct OutboxCursor: Sendable, Hashable {
    public var selection = 0
    public var confirmDrop = false
    public init(selection: Int = 0, confirmDrop: Bool = false) {
        self.selection = selection
        self.confirmDrop = confirmDrop
    }
}

/// A notice or error of this session, kept whole for `:messages` (the status bar cuts them).
public struct SessionMessage: Sendable, Hashable {
    public var at: Date
    public var text: String
    public var isError: Bool
}

extension AppState {
    /// At most this many messages are kept; the oldest go first.
    static let messageLimit = 500

    /// Records what an action said, as the status bar shows it: a new error or notice.
    mutating func recordMessages(flash before: String?, error beforeError: String?) {
        if let error = notices.lastError, error != beforeError { appendMessage(error, isError: true) }
        if let notice = notices.flash, notice != before { appendMessage(notice, isError: false) }
    }

    mutating func appendMessage(_ text: String, isError: Bool) {
        notices.messages.append(SessionMessage(at: now, text: text, isError: isError))
        if notices.messages.count > Self.messageLimit { notices.messages.removeFirst(notices.messages.count - Self.messageLimit) }
    }

    /// `Plan`, or the key: how a custom field is named on screen.
    func label(forPath path: String) -> String {
        if path.hasPrefix("customFields.") {
            let key = String(path.dropFirst("customFields.".count))
            return definition(for: key)?.displayName ?? key
        }
        switch path {
        case "marketingConsent.email": return "email consent"
        case "marketingConsent.whatsapp": return "WhatsApp consent"
        default: return path
        }
    }

    /// The open contact's unsent edit of `key`, the newest (the value shown is its value).
    func unsentChange(ofField key: String) -> (entry: OutboxEntry, change: OutboxChange)? {
        for entry in detail.outbox.reversed() {
            if let change = entry.changes.first(where: { $0.fieldKey == key }) { return (entry, change) }
        }
        return nil
    }
}

import Foundation
import MinimoCache
import MinimoKit

/// Keys while something covers the panes (help, reviews, questions, the request log, the
/// command line), the `:` commands, quitting and the save review.
extension AppState {
    mutating func handleOverlay(_ key: KeyEvent, _ current: Overlay) -> [AppEffect] {
        switch current {
        case .help:
            if let step = scrollStep(key, page: max(1, size.rows - 4)) {
                overlayScroll = max(0, overlayScroll + step)
            } else {
                overlay = nil
            }
        case .confirmQuit:
            switch key {
            case .character("y"), .character("q"): shouldQuit = true
            default: overlay = nil
            }
        case .confirmDelete(let fieldKey):
            if key == .character("y") || key == .enter {
                setDraft(fieldKey, contact?.customFields[fieldKey] == nil ? nil : .null)
            }
            overlay = nil
        case .saveReview:
            switch key {
            case .character("y"):
                overlay = nil
                guard let contact else { return [] }
                let update = pendingUpdate
                draft = [:]
                consentDraft = MarketingConsent()
                undoStack = []
                pending = "saving"
                return [.save(contact.id, update)]
            case .character("n"), .escape, .character("q"):
                overlay = nil
            default:
                break
            }
        case .log(let selection):
            switch key {
            case .escape, .character("q"), .character("L"):
                overlay = nil
            case .enter:
                if log.indices.contains(selection) { overlay = .exchange(log[selection]); overlayScroll = 0 }
            case .character("C"):
                if log.indices.contains(selection) { return [.copyCurl(log[selection])] }
            default:
                if let step = scrollStep(key, page: max(1, size.rows - 4)) {
                    overlay = .log(selection: min(max(0, selection + step), max(0, log.count - 1)))
                }
            }
        case .exchange(let exchange):
            switch key {
            case .escape, .character("q"):
                overlay = .log(selection: log.firstIndex(of: exchange) ?? 0)
            case .character("y"):
                return [.copy(String(decoding: exchange.responseBody, as: UTF8.self))]
            case .character("C"):
                return [.copyCurl(exchange)]
            default:
                if let step = scrollStep(key, page: max(1, size.rows - 4)) { overlayScroll = max(0, overlayScroll + step) }
            }
        case .bulk(let editing):
            return handleBulkOverlay(key, editing)
        case .bulkPlanning:
            if key == .escape { overlay = nil }
        case .bulkReview(let plan):
            return handleBulkReview(key, plan)
        case .outbox(let cursor):
            return handleOutboxOverlay(key, cursor)
        case .copied:
            if let step = scrollStep(key, page: max(1, size.rows - 4)) {
                overlayScroll = max(0, overlayScroll + step)
            } else {
                overlay = nil
            }
        case .messages:
            if let step = scrollStep(key, page: max(1, size.rows - 4)) {
                overlayScroll = min(max(0, overlayScroll + step), max(0, messages.count - 1))
            } else {
                overlay = nil
            }
        case .confirmCancelBulk:
            overlay = nil
            if key == .character("y"), let bulk { return [.cancelBulk(bulk.batch)] }
        case .command(var editor):
            switch key {
            case .escape:
                overlay = nil
            case .enter:
                overlay = nil
                return runCommand(editor.text)
            default:
                _ = editor.handle(key)
                overlay = .command(editor)
            }
        }
        return []
    }

    mutating func runCommand(_ text: String) -> [AppEffect] {
        let words = text.split(separator: " ").map(String.init)
        switch words.first {
        case "q", "quit":
            requestQuit()
        case "q!":
            shouldQuit = true
        case "w", "write", "save":
            return openSaveReview()
        case "sync":
            flash = "sync started (background priority: your lookups go first)"
            return [.sync]
        case "bulk":
            openBulk()
        case "outbox":
            return openOutbox()
        case "messages", "mes":
            overlay = .messages
            overlayScroll = max(0, messages.count - max(1, size.rows - 4))  // the newest, at the bottom
        case "unmark":
            flash = "unmarked \(marks.count) contact(s)"
            marks.clear()
        case "profile":
            lastError = words.count > 1
                ? "to switch profile, quit and run: minimo --profile \(words[1])"
                : "usage: :profile NAME"
        case nil:
            break
        default:
            lastError = "unknown command :\(text) (try :q, :w, :sync, :outbox, :messages, :bulk, :unmark, :profile NAME)"
        }
        return []
    }

    /// Quits at once, or asks first when there are unsaved changes.
    mutating func requestQuit() {
        if quitNeedsConfirmation { overlay = .confirmQuit } else { shouldQuit = true }
    }

    /// Unsaved changes (kept as a draft), or a bulk edit still being sent (left queued): the
    /// user is told what quitting does with them first.
    var quitNeedsConfirmation: Bool { hasUnsavedChanges || (bulk.map { !$0.isFinished } ?? false) }

    mutating func openSaveReview() -> [AppEffect] {
        guard contact != nil else { return [] }
        guard !pendingUpdate.isEmpty else {
            flash = "nothing to save"
            return []
        }
        overlay = .saveReview
        return []
    }
}

import Foundation
import MinimoCache
import MinimoKit

/// Keys while something covers the panes (help, reviews, questions, the request log, the
/// command line), the `:` commands, quitting and the save review.
extension AppState {
    mutating func handleOverlay(_ key: KeyEvent, _ current: Overlay) -> [AppEffect] {
        switch current {
        case .help:
            let width = Layout(size: size, wideList: list.columns.count > 1).main.width - 2
            if !scrollOverlay(key, lines: OverlayViews.helpRows(bindings, width: width).count) { overlay = nil }
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
                edit.fields = [:]
                edit.consent = MarketingConsent()
                edit.undoStack = []
                notices.pending = "saving"
                return [.save(contact.id, update)]
            case .character("n"), .escape, .character("q"):
                overlay = nil
            default:
                break
            }
        case .log(let selection):
            if key == .escape { overlay = nil; return [] }
            let selected = log.indices.contains(selection) ? log[selection] : nil
            switch bindings.binding(for: key, in: .log)?.action {
            case .close?: overlay = nil
            case .show?: if let selected { overlay = .exchange(selected); overlayScroll = 0 }
            case .copyCurl?: if let selected { return [.copyCurl(selected)] }
            case let move?:
                if let moved = Self.moved(selection, move, count: log.count, page: max(1, size.rows - 6)) { overlay = .log(selection: moved) }
            case nil: break
            }
        case .exchange(let exchange):
            let action = bindings.binding(for: key, in: .log)?.action
            if key == .escape || action == .close {
                overlay = .log(selection: log.firstIndex(of: exchange) ?? max(0, log.count - 1))
            } else if action == .copy {
                return [.copy(String(decoding: exchange.responseBody, as: UTF8.self))]
            } else if action == .copyCurl {
                return [.copyCurl(exchange)]
            } else {
                _ = scrollOverlay(key, lines: RawExchangeView.lines(exchange).count)
            }
        case .bulk(let editing):
            return handleBulkOverlay(key, editing)
        case .bulkPlanning:
            if key == .escape { overlay = nil }
        case .bulkReview(let plan):
            return handleBulkReview(key, plan)
        case .outbox(let cursor):
            return handleOutboxOverlay(key, cursor)
        case .copied(let text):
            // Wrapped at the box's width when drawn; a line per source line is the least it takes.
            if !scrollOverlay(key, lines: text.split(separator: "\n", omittingEmptySubsequences: false).count + 2) { overlay = nil }
        case .messages:
            // The view starts at the message `overlayScroll` names, the newest last.
            if let move = moveAction(key) {
                overlayScroll = Self.moved(overlayScroll, move, count: notices.messages.count, page: max(1, size.rows - 6)) ?? overlayScroll
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

    /// Scrolls a full-screen overlay of `lines` lines by a move key; false: not a move key.
    mutating func scrollOverlay(_ key: KeyEvent, lines: Int) -> Bool {
        guard let move = moveAction(key) else { return false }
        let height = Layout(size: size, wideList: list.columns.count > 1).main.height - 2
        let limit = max(0, lines - height)
        overlayScroll = Self.moved(overlayScroll, move, count: limit + 1, page: max(1, height - 1)) ?? overlayScroll
        return true
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
            notices.flash = "sync started (background priority: your lookups go first)"
            return [.sync]
        case "bulk":
            openBulk()
        case "outbox":
            return openOutbox()
        case "messages", "mes":
            overlay = .messages
            overlayScroll = max(0, notices.messages.count - max(1, size.rows - 4))  // the newest, at the bottom
        case "unmark":
            notices.flash = "unmarked \(list.marks.count) contact(s)"
            list.marks.clear()
        case "profile":
            notices.lastError = words.count > 1
                ? "to switch profile, quit and run: minimo --profile \(words[1])"
                : "usage: :profile NAME"
        case nil:
            break
        default:
            notices.lastError = "unknown command :\(text) (try :q, :w, :sync, :outbox, :messages, :bulk, :unmark, :profile NAME)"
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
            notices.flash = "nothing to save"
            return []
        }
        overlay = .saveReview
        return []
    }
}

import Foundation
import MinimoKit

/// The consent pane: each channel as the server says it, and any unsaved change beside it.
extension PaneViews {
    static func consent(_ state: AppState, in rect: Rect, lines: LineDrawing, on canvas: inout some Canvas) {
        let focused = state.focus == .consent && state.overlay == nil
        let inner = AppView.box("Marketing consent", trailing: focused ? "\(state.keyLabel(.toggle, .consent)) toggles" : "", focused: focused, lines: lines)
            .draw(in: rect, on: &canvas)
        guard let contact = state.contact, inner.height > 0 else { return }
        let server = contact.marketingConsent
        let channels = [
            ConsentChannelRow(name: "Email", server: server?.email, unsaved: state.edit.consent.email, selected: state.detail.consentSelection == 0),
            ConsentChannelRow(name: "WhatsApp", server: server?.whatsapp, unsaved: state.edit.consent.whatsapp, selected: state.detail.consentSelection == 1),
        ]
        for (index, channel) in channels.enumerated() where index < inner.height {
            let value = channel.unsaved ?? channel.server
            let box = value == nil ? "[?]" : (value! ? "[x]" : "[ ]")
            let text: String
            if let unsaved = channel.unsaved {
                text = "\(unsaved ? "opted in" : "opted out") — unsaved (server: \(channel.server.map { $0 ? "in" : "out" } ?? "unknown"))"
            } else if let known = channel.server {
                text = known ? "opted in (as the server says)" : "opted out (as the server says)"
            } else {
                text = "unknown: the server did not say"
            }
            let highlighted = channel.selected && focused
            canvas.put(text: "\(box) \(channel.name)", line: index, in: inner, style: highlighted ? .selection : (channel.unsaved != nil ? .warning : .normal))
            canvas.put(text: text, line: index, in: inner, offset: 14, style: channel.unsaved != nil ? .warning : .dim)
        }
    }
}

/// A row of the consent pane: what the server says, what is unsaved, and whether it is selected.
struct ConsentChannelRow {
    var name: String
    var server: Bool?
    var unsaved: Bool?
    var selected: Bool
}

import ArgumentParser
import Foundation
import MinimoCache
import MinimoKit
import MinimoTUI

/// One full frame of the TUI (search, results, detail, custom fields, consent, status bar)
/// drawn on the in-memory grid at 200×60: the view code's cost, before any terminal I/O.
struct RenderBench: AsyncParsableCommand {
    static let configuration = CommandConfiguration(commandName: "render", abstract: "Full frames drawn on the grid canvas.")
    @Option var columns = 200
    @Option var rows = 60
    @Option var frames = 2_000

    func run() async throws { Self.measure(columns: columns, rows: rows, frames: frames) }

    static func measure(columns: Int, rows: Int, frames: Int) {
        var random = SplitMix(state: 3)
        let now = Date()
        var state = AppState(size: TerminalSize(columns: columns, rows: rows), profile: "bench", host: "api.minimo.it", isDemo: false)
        state.now = now
        state.list.results = (0..<200).map { index in
            let contact = syntheticContact(index, &random)
            return ContactSummary(id: contact.id, email: contact.email, phone: contact.phone, fetchedAt: now, deleted: false)
        }
        var custom: [String: JSONValue] = [:]
        for index in 0..<30 { custom["field_\(index)"] = .string("value \(index) — città, 東京, 🎉") }
        var contact = syntheticContact(1, &random)
        contact.customFields = custom
        state.contact = contact
        state.detail.source = .network
        state.detail.fetchedAt = now
        state.definitions = (0..<30).map { CustomFieldDefinition(key: "FIELD_\($0)", displayName: "Field \($0)", type: .text) }
        state.shared.quota = QuotaStatus(
            snapshot: QuotaSnapshot(limit: 100, remaining: 87, resetAt: now.addingTimeInterval(34), observedAt: now), waitingUntil: nil, queued: 0)
        var timings: [Double] = []
        timings.reserveCapacity(frames)
        for frame in 0..<frames {
            state.list.selection = frame % state.list.results.count
            var canvas = GridCanvas(columns: columns, rows: rows)
            let start = monotonicNanoseconds()
            _ = AppView.render(state, on: &canvas)
            timings.append(milliseconds(since: start))
        }
        print("full frame on the grid canvas at \(columns)×\(rows) (\(columns * rows) cells)")
        print(distribution("frame", timings))
    }
}

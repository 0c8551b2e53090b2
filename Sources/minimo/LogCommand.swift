import ArgumentParser
import Foundation
import MinimoKit

/// `minimo log`: the request log of the profile, as the TUI's `L` shows it. Every command
/// records its exchanges through the store, so this is every request minimo made here.
struct LogCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "log",
        abstract: "The request log: the profile's last exchanges with the API, oldest first (no request is made).",
        discussion: """
            One line per request: when it started, method, path, status (or the network error), time taken, \
            and the quota left after it. The API key is masked before an exchange is ever stored. The cache \
            keeps the last 500; `minimo cache clear` forgets them.
            """)

    @OptionGroup var global: GlobalOptions
    @Option(help: "Most exchanges to print (the latest).") var limit = 50

    func validate() throws {
        guard limit >= 1 else { throw ValidationError("--limit must be at least 1") }
    }

    func run() async throws {
        let context = try APIContext(global)
        let exchanges = try await context.store.exchanges(limit: limit)
        if exchanges.isEmpty {
            FileHandle.standardError.write(Data("no exchange recorded for this profile yet\n".utf8))
            return
        }
        let formatter = DateFormatter()
        formatter.locale = Locale(identifier: "en_US_POSIX")
        formatter.dateFormat = "yyyy-MM-dd HH:mm:ss"
        for exchange in exchanges {
            print(Self.line(exchange, time: formatter.string(from: exchange.startedAt)))
        }
    }

    static func line(_ exchange: RawExchange, time: String) -> String {
        var fields = [
            time, exchange.method, HumanOutput.safe(exchange.path),
            exchange.status.map(String.init) ?? "no answer", String(format: "%.0f ms", exchange.duration * 1000),
        ]
        fields.append(exchange.quotaAfter.map { "quota \($0.remaining)/\($0.limit)" } ?? "—")
        if exchange.attempt > 1 { fields.append("attempt \(exchange.attempt)") }
        if let error = exchange.error { fields.append(HumanOutput.safe(error)) }
        return fields.joined(separator: "\t")
    }
}

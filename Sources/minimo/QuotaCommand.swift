import ArgumentParser
import Foundation
import MinimoCache
import MinimoKit

/// `minimo quota`: the key's rate-limit figures as every minimo process on this machine shares
/// them, without spending a request.
struct QuotaCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "quota",
        abstract: "Show the key's rate-limit quota as the minimo processes on this machine share it (no request).",
        discussion: """
            Every minimo process using the same key at the same host (and the same cache directory) shares one \
            quota ledger: the last figures any of them received, a 429's hold, and the requests in flight with \
            the process that sent each. Nothing is sent: the figures are as old as the last answer says.
            """)

    @OptionGroup var global: GlobalOptions
    @Flag(help: "Print the ledger as JSON.") var json = false

    func run() async throws {
        let resolved = try ProfileResolver(options: global).resolve()
        let location = CacheLocation.resolve(override: global.cacheDir)
        let path = location.quotaLedgerPath(for: resolved.configuration)
        guard FileManager.default.fileExists(atPath: path) else {
            if json {
                print(#"{"ledger":null}"#)
            } else {
                print("no minimo process has used this key here yet (no ledger at \(path))")
            }
            return
        }
        let reading: QuotaLedgerReading
        do {
            reading = try QuotaLedgerFile(path: path).reading()
        } catch let error as MinimoError {
            throw CLIError(.failure, error.message)
        }
        let now = Date()
        if json {
            var object: [String: JSONValue] = ["ledger": .string(path)]
            if let snapshot = reading.snapshot {
                object["limit"] = .int(Int64(snapshot.limit))
                object["remaining"] = .int(Int64(snapshot.remaining))
                object["resetAt"] = snapshot.resetAt.map { .double($0.timeIntervalSince1970) } ?? .null
                object["observedAt"] = .double(snapshot.observedAt.timeIntervalSince1970)
            }
            object["blockedUntil"] = reading.blockedUntil.map { .double($0.timeIntervalSince1970) } ?? .null
            object["inFlight"] = .array(
                reading.reservations.map { reservation in
                    .object([
                        "pid": .int(Int64(reservation.pid)), "priority": .string(reservation.priority == .interactive ? "interactive" : "background"),
                        "expiresAt": .double(reservation.expiresAt.timeIntervalSince1970), "alive": .bool(reservation.processIsAlive),
                        "unanswered": .bool(reservation.isUnanswered),
                    ])
                })
            APIContext.writeBody(JSONValue.object(object).serialized())
            return
        }
        if let snapshot = reading.snapshot {
            var line = snapshot.summary(now: now)
            if snapshot.isExpired(now: now) { line += " (that window is over: the full limit is free)" }
            line += " · last answer \(Int(now.timeIntervalSince(snapshot.observedAt))) s ago"
            print(line)
        } else {
            print("quota unknown: no answer recorded yet")
        }
        if let blocked = reading.blockedUntil, blocked > now {
            print("held by a 429 for \(Int(blocked.timeIntervalSince(now).rounded(.up))) s more")
        }
        if reading.reservations.isEmpty {
            print("no request in flight")
        }
        for reservation in reading.reservations {
            if reservation.isUnanswered {
                print("unanswered: a request whose answer never came, counted as in flight for \(Int(max(0, reservation.expiresAt.timeIntervalSince(now)).rounded(.up))) s more (it may still reach the server)")
                continue
            }
            let state = reservation.processIsAlive ? "running" : "gone: counted until its request can no longer land"
            print("in flight: pid \(reservation.pid) (\(state)), \(reservation.priority == .interactive ? "interactive" : "background")")
        }
        print("ledger: \(path)")
    }
}

extension CacheLocation {
    /// The shared quota ledger of the key in `configuration` (DESIGN §10): in the cache directory,
    /// named by the host and a hash of the key.
    func quotaLedgerPath(for configuration: MinimoConfiguration) -> String {
        directory.appendingPathComponent(QuotaLedgerFile.fileName(baseURL: configuration.baseURL, apiKey: configuration.apiKey)).path
    }
}

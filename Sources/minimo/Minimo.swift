import ArgumentParser
import Foundation
import MinimoCache
import MinimoKit
import MinimoTUI

struct Minimo: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "minimo",
        abstract: "Browse and edit the contacts of a Minimo account, from the terminal.",
        discussion: """
            Key and endpoint come from flags, the environment (MINIMO_API_KEY, MINIMO_BASE_URL, MINIMO_PROFILE) \
            or ~/.config/minimo/config.toml profiles. The key is never printed. HTTPS trusts the system's CAs, \
            or a profile's ca_file, CURL_CA_BUNDLE, SSL_CERT_FILE, SSL_CERT_DIR; proxies come from a profile's \
            proxy or HTTPS_PROXY, HTTP_PROXY, ALL_PROXY, with NO_PROXY, as curl reads them (README, Networks).

            Exit codes:
              0  success
              1  other failure
              2  usage or configuration error (bad flag, bad config file, plain http to a remote host)
              3  authentication (no key, key file readable by others, 401, 403)
              4  not found (404, listing not available)
              5  rate limited (429 after the allowed waits)
              6  network or server error (connection, timeout, 5xx, unreadable answer, TLS, proxy)
              7  validation (422, 400, 409: bad email, phone, field or conflicting email)
            """,
        // `minimo --version`; where the number comes from: MinimoVersion.
        version: MinimoVersion.current,
        subcommands: [DemoCommand.self, SandboxCommand.self, ContactsCommand.self, FieldsCommand.self, SyncCommand.self, ImportCommand.self, ExportCommand.self, CacheCommand.self, OutboxCommand.self, QuotaCommand.self, LogCommand.self, KeysCommand.self])

    @OptionGroup var global: GlobalOptions

    /// `minimo` alone: the TUI on the configured profile.
    func run() async throws {
        let bindings = try ProfileResolver(options: global).bindings()
        StartupTrace.mark("config")
        let context = try APIContext(global, tui: true)
        let host = context.client.configuration.baseURL.host.map { host in
            context.client.configuration.baseURL.port.map { "\(host):\($0)" } ?? host
        }
        try await TUILauncher.run(
            store: context.store, profile: context.profileName ?? "default", host: host, isDemo: false,
            columns: context.listColumns ?? ListColumn.defaultNames,
            label: context.label.map { ProfileLabel(text: $0, color: context.color) }, bindings: bindings)
    }
}

@main
enum MinimoMain {
    static func main() async {
        StartupTrace.mark("main")
        do {
            // `--debug=curl` reads as the flag `--debug-curl` (ArgumentParser has no option
            // whose value may be left out, and `--debug` alone stays a flag).
            let arguments = CommandLine.arguments.dropFirst().map { $0 == "--debug=curl" ? "--debug-curl" : $0 }
            var command = try Minimo.parseAsRoot(arguments)
            StartupTrace.mark("arguments")
            if var asyncCommand = command as? AsyncParsableCommand {
                try await asyncCommand.run()
            } else {
                try command.run()
            }
        } catch let error as CLIError {
            fail(error.message, status: error.status)
        } catch let error as MinimoError {
            fail(TerminalText.sanitize(error.description), status: ExitStatus.forError(error))
        } catch let error as CacheError {
            // The local cache (a lock held too long, a damaged file, a full disk): its sentence.
            fail(TerminalText.sanitize(error.message), status: .failure)
        } catch {
            let code = Minimo.exitCode(for: error)
            if code == .validationFailure {
                // ArgumentParser uses 64 for usage errors; ours is 2, as documented.
                FileHandle.standardError.write(Data((Minimo.fullMessage(for: error) + "\n").utf8))
                exit(ExitStatus.usage.rawValue)
            }
            Minimo.exit(withError: error)
        }
    }

    static func fail(_ message: String, status: ExitStatus) -> Never {
        FileHandle.standardError.write(Data("minimo: \(message)\n".utf8))
        exit(status.rawValue)
    }
}

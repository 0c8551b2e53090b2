import ArgumentParser
import Foundation
import MinimoKit

/// Options every API command takes.
struct GlobalOptions: ParsableArguments {
    @Option(help: ArgumentHelp("API base URL (default https://api.minimo.it; env MINIMO_BASE_URL).", valueName: "url"))
    var baseURL: String?

    @Option(help: ArgumentHelp("Profile from the config file (env MINIMO_PROFILE).", valueName: "name"))
    var profile: String?

    @Option(help: ArgumentHelp("Read the API key from this file; it must be mode 0600.", valueName: "path"))
    var apiKeyFile: String?

    @Option(help: ArgumentHelp("The API key itself. Discouraged: it shows in `ps` and shell history; prefer MINIMO_API_KEY or --api-key-file.", valueName: "key"))
    var apiKey: String?

    @Option(help: ArgumentHelp("Config file (default $XDG_CONFIG_HOME/minimo/config.toml).", valueName: "path"))
    var config: String?

    @Option(help: "Seconds before a request counts as failed.")
    var timeout: Double?

    @Option(help: ArgumentHelp("Longest wait for the rate-limit window to reset before giving up with exit code 5 (seconds).", valueName: "seconds"))
    var maxWait: Double = 60

    @Option(help: ArgumentHelp("Cache directory (default $XDG_CACHE_HOME/minimo; env MINIMO_CACHE_DIR).", valueName: "path"))
    var cacheDir: String?

    @Option(help: ArgumentHelp("Seconds a cached contact is served without asking the API.", valueName: "seconds"))
    var ttl: Double = 300

    @Flag(help: "Refuse every write (update, upsert, delete, import, outbox sends): for looking at a production account safely. A profile sets it with readonly = true.")
    var readonly = false

    @Flag(name: .customLong("debug-curl"), help: "Print each request as a curl command line to stderr, the key as \"$MINIMO_API_KEY\" (also --debug=curl).")
    var debugCurl = false

    @Flag(help: "Log each request (method, path, status, time; never the key) to stderr, and the proxy (password masked) and CAs in use.")
    var debug = false

    func validate() throws {
        if let timeout, !(timeout > 0 && timeout <= 600) {
            throw ValidationError("--timeout must be between 0 and 600 seconds")
        }
        if !(ttl >= 0) { throw ValidationError("--ttl must be 0 or more seconds") }
        if !(maxWait >= 0 && maxWait <= 3600) { throw ValidationError("--max-wait must be between 0 and 3600 seconds") }
    }
}

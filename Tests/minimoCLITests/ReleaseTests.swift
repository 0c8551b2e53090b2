import Foundation
import MinimoKit
import Testing

/// What `scripts/release` takes from the binary, checked on the debug build: the version, the
/// completion scripts and the command tree the man page is made from. The page itself is rendered
/// by swift-argument-parser's generate-manual, a dependency's tool that `swift build` does not
/// build and that a test could only build through SwiftPM, whose lock `swift test` holds;
/// `scripts/release` runs it and refuses to pack a page that misses a subcommand.
@Suite struct ReleaseTests {
    /// Every command a user can type, by path: what the man page and the completions must offer.
    static let commands: [String: [String]] = [
        "demo": [], "sandbox": [],
        "contacts": ["get", "search", "upsert", "update", "delete", "list"],
        "fields": ["list"], "sync": [], "import": [], "export": [],
        "cache": ["stats", "clear"],
        "outbox": ["list", "retry", "resolve", "drop"],
        "quota": [], "log": [],
        "keys": [],
    ]

    @Test func versionIsTheOneTheReleaseIsNamedAfter() async throws {
        let run = try await CLI.run(["--version"])
        #expect(run.status == 0, "\(run.stderr)")
        #expect(run.stdout == MinimoVersion.current + "\n")
        #expect(MinimoVersion.current.wholeMatch(of: /[0-9]+\.[0-9]+\.[0-9]+/) != nil)
        // The User-Agent carries the same number.
        #expect(MinimoConfiguration(apiKey: "k").userAgent == "minimo/\(MinimoVersion.current)")
    }

    /// The man page's source: generate-manual renders exactly this JSON (`--experimental-dump-help`).
    @Test func manualSourceHasEveryCommandWithItsAbstract() async throws {
        let run = try await CLI.run(["--experimental-dump-help"])
        #expect(run.status == 0, "\(run.stderr)")
        let info = try #require(try JSONSerialization.jsonObject(with: Data(run.stdout.utf8)) as? [String: Any])
        #expect(info["serializationVersion"] as? Int == 0)
        let root = try #require(info["command"] as? [String: Any])
        #expect(root["commandName"] as? String == "minimo")
        #expect((root["abstract"] as? String)?.isEmpty == false)
        // The exit codes live in the root's discussion, which becomes the page's DESCRIPTION.
        #expect((root["discussion"] as? String)?.contains("Exit codes:") == true)
        let top = Self.subcommands(of: root)
        #expect(Set(top.keys).subtracting(["help"]) == Set(Self.commands.keys))
        for (name, children) in Self.commands {
            let command = try #require(top[name])
            #expect((command["abstract"] as? String)?.isEmpty == false, "\(name) has no abstract")
            #expect(Set(Self.subcommands(of: command).keys) == Set(children), "\(name)")
        }
    }

    @Test(arguments: ["bash", "zsh", "fish"])
    func completionScriptOffersEveryCommand(shell: String) async throws {
        let run = try await CLI.run(["--generate-completion-script", shell])
        #expect(run.status == 0, "\(run.stderr)")
        let script = run.stdout
        let paths = Self.commands.flatMap { name, children in [[name]] + children.map { [name, $0] } }
        let missing = paths.filter { !script.contains(Self.offer($0, in: shell)) }.map { $0.joined(separator: " ") }
        #expect(missing.isEmpty, "\(shell) does not offer: \(missing.sorted())")
        switch shell {
        case "bash": #expect(script.contains("complete -o filenames -F _minimo minimo"))
        case "zsh": #expect(script.hasPrefix("#compdef minimo\n"))
        default: #expect(script.contains("complete -c 'minimo'"))
        }
    }

    /// The bash script, sourced into a real bash with no bash-completion package, completes
    /// subcommands and options as a user's Tab would.
    @Test func bashCompletionCompletesAsTabWould() async throws {
        let script = FileManager.default.temporaryDirectory.appendingPathComponent("minimo-\(UUID()).bash")
        defer { try? FileManager.default.removeItem(at: script) }
        let generated = try await CLI.run(["--generate-completion-script", "bash"])
        try generated.stdout.write(to: script, atomically: true, encoding: .utf8)
        // COMP_* as bash sets them for the line typed so far, then the function `complete -F` names.
        let complete = """
            source "$1"; read -ra COMP_WORDS <<< "$2"; COMP_CWORD=$(( ${#COMP_WORDS[@]} - 1 ))
            COMP_LINE="$2"; COMP_POINT=${#COMP_LINE}
            _minimo minimo "${COMP_WORDS[-1]}" "${COMP_WORDS[-2]}"; echo "${COMPREPLY[*]}"
            """
        let cases = [
            "minimo con": "contacts", "minimo contacts g": "get", "minimo outbox r": "retry resolve",
            "minimo cache s": "stats", "minimo contacts get --base": "--base-url",
        ]
        for (line, expected) in cases {
            let run = try await CLI.run(["-c", complete, "bash", script.path, line], executable: "/bin/bash")
            #expect(run.status == 0, "\(run.stderr)")
            #expect(run.stdout == expected + "\n", "\(line)")
        }
    }

    static func subcommands(of command: [String: Any]) -> [String: [String: Any]] {
        let list = command["subcommands"] as? [[String: Any]] ?? []
        return Dictionary(list.map { ($0["commandName"] as? String ?? "", $0) }, uniquingKeysWith: { first, _ in first })
    }

    /// How each shell's script offers the command at `path` (as swift-argument-parser writes them).
    static func offer(_ path: [String], in shell: String) -> String {
        switch shell {
        case "fish":
            let parent = (["minimo"] + path.dropLast()).joined(separator: " ")
            return "positional \"\(parent)\" -eq 1' -fa '\(path.last!)'"
        default:
            return "_minimo_\(path.joined(separator: "_"))() {"
        }
    }
}

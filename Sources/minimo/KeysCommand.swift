import ArgumentParser
import Foundation
import MinimoTUI

/// `minimo keys`: the TUI's key table in effect, the defaults with the config file's `[keys]`
/// over them. `--markdown` is the README's table (a test keeps the two the same).
struct KeysCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "keys",
        abstract: "Print the TUI's keys in effect (the defaults, with [keys.CONTEXT] of the config file over them).",
        discussion: """
            Remap a key in config.toml, per context, with one key or several:

              [keys.global]
              save = ["s", "ctrl-s"]
              [keys.list]
              mark = "space"

            Key names: a character ("s", "G", "/"), ctrl-LETTER, f1…f12, up, down, left, right, pgup, pgdn, \
            home, end, tab, shift-tab, enter, esc, space, backspace, delete, insert. An override replaces \
            every key of its action; [] unbinds it. An unknown context, action or key name, or a key that \
            would do two things where both are live, is an error naming the line.
            """)

    @OptionGroup var global: GlobalOptions

    @Flag(help: "Print the table as Markdown (the README's key table).") var markdown = false

    func run() throws {
        let bindings = try ProfileResolver(options: global).bindings()
        print(markdown ? bindings.markdown : bindings.plainText)
    }
}

import Foundation

extension TerminalScreen {
    /// Inside tmux, asks it whether applications' OSC 52 reaches a clipboard (`set-clipboard`
    /// `on` or `external`); `off` drops it. Elsewhere the terminal is trusted to take it (there
    /// is no asking).
    static func clipboardReachable(environment: [String: String]) -> Bool {
        guard environment["TMUX"] != nil else { return true }
        let process = Process()
        process.executableURL = URL(fileURLWithPath: "/usr/bin/env")
        process.arguments = ["tmux", "show-options", "-gv", "set-clipboard"]
        let out = Pipe()
        process.standardOutput = out
        process.standardError = FileHandle.nullDevice
        guard (try? process.run()) != nil else { return true }
        let answer = String(decoding: out.fileHandleForReading.readDataToEndOfFile(), as: UTF8.self)
        process.waitUntilExit()
        return answer.trimmingCharacters(in: .whitespacesAndNewlines) != "off"
    }
}

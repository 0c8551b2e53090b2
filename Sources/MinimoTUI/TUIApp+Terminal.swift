import CNcurses
import Foundation
import MinimoKit

extension TUIApp {
    /// Inside tmux, asks it whether applications' OSC 52 reaches a clipboard (`set-clipboard`
    /// `on` or `external`); `off` drops it.
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

    /// OSC 52: the terminal (even over SSH, and tmux with set-clipboard) puts it on the clipboard.
    static func copyToClipboard(_ text: String) {
        let sequence = "\u{1B}]52;c;" + Data(text.utf8).base64EncodedString() + "\u{07}"
        FileHandle.standardOutput.write(Data(sequence.utf8))
    }
}

/// `E`: the custom fields as JSON in `$EDITOR`, with curses suspended meanwhile.
enum ExternalEditor {
    static func edit(_ fields: [String: JSONValue], screen: TerminalScreen) -> Result<[String: JSONValue], FieldValueError> {
        let file = FileManager.default.temporaryDirectory.appendingPathComponent("minimo-fields-\(UUID()).json")
        defer { try? FileManager.default.removeItem(at: file) }
        do {
            try JSONValue.object(fields).serialized(pretty: true).write(to: file)
            try FileManager.default.setAttributes([.posixPermissions: 0o600], ofItemAtPath: file.path)
        } catch {
            return .failure(FieldValueError("cannot write a temporary file: \(error)"))
        }
        let editor = ProcessInfo.processInfo.environment["VISUAL"] ?? ProcessInfo.processInfo.environment["EDITOR"] ?? "vi"
        endwin()
        let process = Process()
        process.executableURL = URL(fileURLWithPath: "/bin/sh")
        process.arguments = ["-c", "\(editor) \"$1\"", "minimo-editor", file.path]
        var status: Int32 = -1
        do {
            try process.run()
            process.waitUntilExit()
            status = process.terminationStatus
        } catch {}
        wrefresh(minimo_stdscr())
        screen.forceRedraw()
        guard status == 0 else { return .failure(FieldValueError("the editor exited with status \(status); nothing changed")) }
        guard let data = FileManager.default.contents(atPath: file.path), let value = try? JSONValue.parse(data),
            let object = value.objectValue
        else {
            return .failure(FieldValueError("the file is not a JSON object; nothing changed"))
        }
        return .success(object)
    }
}

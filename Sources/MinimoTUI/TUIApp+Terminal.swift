import Foundation
import MinimoKit

/// `E`: the custom fields as JSON in `$EDITOR`, with the terminal handed to it meanwhile.
enum ExternalEditor {
    static func edit(_ fields: [String: JSONValue], terminal: some Terminal) -> Result<[String: JSONValue], FieldValueError> {
        let file = FileManager.default.temporaryDirectory.appendingPathComponent("minimo-fields-\(UUID()).json")
        defer { try? FileManager.default.removeItem(at: file) }
        do {
            try JSONValue.object(fields).serialized(pretty: true).write(to: file)
            try FileManager.default.setAttributes([.posixPermissions: 0o600], ofItemAtPath: file.path)
        } catch {
            return .failure(FieldValueError("cannot write a temporary file: \(error)"))
        }
        let editor = ProcessInfo.processInfo.environment["VISUAL"] ?? ProcessInfo.processInfo.environment["EDITOR"] ?? "vi"
        let status: Int32 = terminal.suspend {
            let process = Process()
            process.executableURL = URL(fileURLWithPath: "/bin/sh")
            process.arguments = ["-c", "\(editor) \"$1\"", "minimo-editor", file.path]
            do {
                try process.run()
                process.waitUntilExit()
                return process.terminationStatus
            } catch {
                return -1
            }
        }
        guard status == 0 else { return .failure(FieldValueError("the editor exited with status \(status); nothing changed")) }
        guard let data = FileManager.default.contents(atPath: file.path), let value = try? JSONValue.parse(data),
            let object = value.objectValue
        else {
            return .failure(FieldValueError("the file is not a JSON object; nothing changed"))
        }
        return .success(object)
    }
}

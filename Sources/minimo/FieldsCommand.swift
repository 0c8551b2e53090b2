import ArgumentParser
import MinimoKit

struct FieldsCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "fields",
        abstract: "Custom field definitions.",
        subcommands: [List.self])

    struct List: AsyncParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "List custom field definitions (GET /custom-fields), by category.")

        @OptionGroup var global: GlobalOptions
        @Flag(help: "Print the API's answer exactly as received.") var json = false

        func run() async throws {
            let context = try APIContext(global)
            let response = try await context.store.fieldGroups()
            context.emit(response, json: json) { groups in
                groups.map { group in
                    let rows = group.fields.map { field -> (String, String) in
                        var description = "\(HumanOutput.safe(field.displayName)) · \(field.type)"
                        if !field.allowedValues.isEmpty {
                            description += " [\(field.allowedValues.map(HumanOutput.safe).joined(separator: ", "))]"
                        }
                        return (HumanOutput.safe(field.key), description)
                    }
                    return HumanOutput.safe(group.category) + "\n" + HumanOutput.table(rows)
                }.joined(separator: "\n")
            }
        }
    }
}

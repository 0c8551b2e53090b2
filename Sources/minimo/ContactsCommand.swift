import ArgumentParser
import Foundation
import MinimoCache
import MinimoKit

struct ContactsCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "contacts",
        abstract: "Look up, create, update and delete contacts.",
        subcommands: [Get.self, Search.self, Upsert.self, Update.self, Delete.self, List.self])

    struct Get: AsyncParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Show the contact with this email (GET /contacts/by-email/{email}), from the cache when fresh.",
            discussion: """
                A contact fetched less than --ttl seconds ago is answered from the local cache at no quota cost; \
                an older one is printed at once and revalidated. --fresh always asks the API. With --json the \
                API's body is printed exactly as received when the answer came from the network, and the cached \
                contact object (as the server sent it) otherwise.
                """)

        @OptionGroup var global: GlobalOptions
        @Argument(help: "The contact's email address.") var email: String
        @Flag(help: "Print the API's answer exactly as received.") var json = false
        @Flag(help: "Ask the API even if the cache holds a fresh copy.") var fresh = false
        @Flag(name: .shortAndLong, help: "Say where the answer came from and how old it is (on stderr).") var verbose = false

        func run() async throws {
            try ContentChecks.email(email)
            let context = try APIContext(global)
            let lookup = try await context.store.contact(email: email, refresh: fresh)
            if json {
                APIContext.writeBody(lookup.body ?? JSONValue.object(lookup.contact.fields).serialized())
            } else {
                print(HumanOutput.contact(lookup.contact))
            }
            if verbose {
                let note = lookup.source == .network ? "from the API" : "from the \(lookup.source.rawValue), \(Int(lookup.age)) s old"
                FileHandle.standardError.write(Data("source: \(note)\(lookup.revalidation != nil ? "; revalidating" : "")\n".utf8))
            }
            // A short-lived process must not drop the background revalidation of a stale copy.
            _ = await lookup.revalidation?.value
            await context.printQuota()
        }
    }

    struct Search: AsyncParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Search cached contacts by any part of the email (no request is made).",
            discussion: "Fill the cache with `minimo sync` or by looking contacts up. Exact matches come first, then prefixes.")

        @OptionGroup var global: GlobalOptions
        @Argument(help: "Any part of an email address.") var text: String
        @Option(help: "Most results to print.") var limit = 50

        func run() async throws {
            let context = try APIContext(global)
            let results = try await context.store.search(text, limit: limit)
            for result in results {
                print("\(HumanOutput.safe(result.id.rawValue))\t\(HumanOutput.safe(result.email ?? "—"))\t\(HumanOutput.safe(result.phone ?? "—"))")
            }
            if results.isEmpty { FileHandle.standardError.write(Data("no cached contact matches\n".utf8)) }
        }
    }

    struct Upsert: AsyncParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Create a contact, or update the one matching its email, then its phone (POST /contacts).",
            discussion: """
                Custom field values are checked and typed against the account's field definitions, as the TUI's \
                editor does (a number field takes 3, a boolean true or false, a date 2025-11-13, a select one of \
                its values); a value a definition refuses exits 7 with nothing queued. A field with no definition \
                is read as JSON when the value is valid JSON (3, true, null, {"a":1}, "text"), otherwise as text: \
                --field plan=pro --field seats=3 --field 'zip="00184"'. --raw skips the check and reads every value \
                that way.
                The write carries an Idempotency-Key, so a retry after a network error cannot apply it twice.
                """)

        @OptionGroup var global: GlobalOptions
        @Option(help: "Email address (required; the match key).") var email: String
        @Option(help: "Phone in E.164 form, e.g. +393391234567.") var phone: String?
        @Option(name: .customLong("field"), help: ArgumentHelp("A custom field, KEY=VALUE (repeatable).", valueName: "key=value"))
        var fields: [String] = []
        @Option(name: .customLong("consent"), help: ArgumentHelp("Marketing consent, email=on|off or whatsapp=on|off (repeatable).", valueName: "channel=on|off"))
        var consents: [String] = []
        @Flag(help: "Send --field values as given (JSON when valid JSON, else text), without checking them against the field definitions.")
        var raw = false
        @Flag(help: "Print the API's answer exactly as received.") var json = false

        func validate() throws {
            _ = try FieldArguments.texts(fields)
            _ = try FieldArguments.consent(consents)
        }

        func run() async throws {
            try ContentChecks.email(email)
            try ContentChecks.phone(phone)
            let context = try APIContext(global)
            try context.requireWritable("contacts upsert")
            let upsert = ContactUpsert(
                email: email, phone: phone, customFields: try await FieldArguments.values(fields, raw: raw, context: context),
                marketingConsent: try FieldArguments.consent(consents))
            try await context.save(.upsert(upsert), json: json) { answer in
                "\(answer.created == true ? "created" : "updated") contact \(HumanOutput.safe(answer.contactID?.rawValue ?? "?"))"
            }
        }
    }

    struct Update: AsyncParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Update a contact by id, sending only what you name (PUT /contacts/{id}).",
            discussion: """
                Custom fields are merged into the existing ones; --unset-field KEY deletes one (sent as null). \
                --field values are checked and typed against the field definitions, as for upsert (--raw: unchecked). \
                Updating a soft-deleted contact restores it; `minimo contacts update ID` with nothing else restores only.
                """)

        @OptionGroup var global: GlobalOptions
        @Argument(help: "The contact's id.", transform: ContactIDArgument.parse) var id: String
        @Option(help: "New email address.") var email: String?
        @Option(help: "New phone in E.164 form.") var phone: String?
        @Option(name: .customLong("field"), help: ArgumentHelp("Set a custom field, KEY=VALUE (repeatable).", valueName: "key=value"))
        var fields: [String] = []
        @Option(name: .customLong("unset-field"), help: ArgumentHelp("Delete a custom field (repeatable).", valueName: "key"))
        var unsetFields: [String] = []
        @Option(name: .customLong("consent"), help: ArgumentHelp("email=on|off or whatsapp=on|off (repeatable).", valueName: "channel=on|off"))
        var consents: [String] = []
        @Flag(help: "Send --field values as given (JSON when valid JSON, else text), without checking them against the field definitions.")
        var raw = false
        @Flag(help: "Print the API's answer exactly as received.") var json = false

        func validate() throws {
            _ = try FieldArguments.texts(fields)
            _ = try FieldArguments.consent(consents)
            guard !id.isEmpty else { throw ValidationError("the contact id is empty") }
        }

        func run() async throws {
            if let email { try ContentChecks.email(email) }
            try ContentChecks.phone(phone)
            let context = try APIContext(global)
            try context.requireWritable("contacts update")
            var custom = try await FieldArguments.values(fields, raw: raw, context: context)
            for key in unsetFields { custom[key] = .null }
            let update = ContactUpdate(
                email: email, phone: phone, customFields: custom, marketingConsent: try FieldArguments.consent(consents))
            try await context.save(.update(ContactID(id), update), json: json) { answer in
                answer.contact.map(HumanOutput.contact) ?? "updated contact \(HumanOutput.safe(id))"
            }
        }
    }

    struct Delete: AsyncParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Soft-delete a contact by id (DELETE /contacts/{id}); `contacts update ID` restores it.")

        @OptionGroup var global: GlobalOptions
        @Argument(help: "The contact's id.", transform: ContactIDArgument.parse) var id: String
        @Flag(help: "Print the API's answer exactly as received.") var json = false

        func run() async throws {
            let context = try APIContext(global)
            try context.requireWritable("contacts delete")
            try await context.save(.delete(ContactID(id)), json: json) { _ in
                "deleted contact \(HumanOutput.safe(id)) (restore with: minimo contacts update \(HumanOutput.safe(id)))"
            }
        }
    }

    struct List: AsyncParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "List one page of contacts (GET /contacts?page=&limit=), where the server has a listing.")

        @OptionGroup var global: GlobalOptions
        @Option(help: "Page number, from 1.") var page = 1
        @Option(help: "Contacts per page, 1 to 100.") var limit = 25
        @Flag(help: "Print the API's answer exactly as received.") var json = false

        func validate() throws {
            guard page >= 1 else { throw ValidationError("--page starts at 1") }
            guard (1...100).contains(limit) else { throw ValidationError("--limit must be between 1 and 100") }
        }

        func run() async throws {
            let context = try APIContext(global)
            let response = try await context.store.contactPage(page: page, limit: limit)
            context.emit(response, json: json) { page in
                var lines = page.contacts.map { contact in
                    "\(HumanOutput.safe(contact.id.rawValue))\t\(HumanOutput.safe(contact.email ?? "—"))\t\(HumanOutput.safe(contact.phone ?? "—"))"
                }
                let of = page.totalPages.map { " of \($0)" } ?? ""
                lines.append("page \(page.page)\(of)\(page.total.map { ", \($0) contacts" } ?? "")\(page.hasNext ? " (more: --page \(page.page + 1))" : "")")
                return lines.joined(separator: "\n")
            }
        }
    }
}

/// Parsing of `--field KEY=VALUE` and `--consent CHANNEL=on|off`.
enum FieldArguments {
    /// `--field KEY=VALUE` as text, by key (the syntax only).
    static func texts(_ arguments: [String]) throws -> [String: String] {
        var fields: [String: String] = [:]
        for argument in arguments {
            guard let equals = argument.firstIndex(of: "="), equals != argument.startIndex else {
                throw ValidationError("--field expects KEY=VALUE, got '\(argument)'")
            }
            let key = String(argument[..<equals])
            guard !key.contains(where: { $0.isWhitespace }) else { throw ValidationError("--field key '\(key)' contains spaces") }
            fields[key] = String(argument[argument.index(after: equals)...])
        }
        return fields
    }

    /// The values to send: checked and typed against the account's field definitions through
    /// the store (a refused value exits 7, nothing queued), or with `raw` read unchecked, as
    /// JSON when they are valid JSON, else as text.
    static func values(_ arguments: [String], raw: Bool, context: APIContext) async throws -> [String: JSONValue] {
        let texts = try texts(arguments)
        if raw { return texts.mapValues { (try? JSONValue.parse(Data($0.utf8))) ?? .string($0) } }
        do {
            return try await context.store.typedFieldValues(texts)
        } catch let refused as FieldValueRefused {
            throw CLIError(
                .validation,
                HumanOutput.safe("\(refused.description); nothing was queued or sent (--raw sends values without checking them)"))
        }
    }

    static func consent(_ arguments: [String]) throws -> MarketingConsent {
        var consent = MarketingConsent()
        for argument in arguments {
            let parts = argument.lowercased().split(separator: "=", maxSplits: 1).map(String.init)
            guard parts.count == 2 else { throw ValidationError("--consent expects CHANNEL=on|off, got '\(argument)'") }
            let flag: Bool
            switch parts[1] {
            case "on", "true", "yes", "1": flag = true
            case "off", "false", "no", "0": flag = false
            default: throw ValidationError("--consent value must be on or off, got '\(parts[1])'")
            }
            switch parts[0] {
            case "email": consent.email = flag
            case "whatsapp": consent.whatsapp = flag
            default: throw ValidationError("--consent channel must be email or whatsapp, got '\(parts[0])'")
            }
        }
        return consent
    }
}

/// Checks of what a value says (not of how the command was typed): they fail with the
/// validation exit code, before any request is spent.
enum ContentChecks {
    static func email(_ email: String) throws {
        guard ContactValidation.isValidEmail(email) else {
            throw CLIError(.validation, "'\(HumanOutput.safe(email))' is not a valid email address")
        }
    }

    static func phone(_ phone: String?) throws {
        guard let phone, !ContactValidation.isValidPhone(phone) else { return }
        throw CLIError(.validation, "'\(HumanOutput.safe(phone))' is not an E.164 phone number (like +393391234567: +, country code, digits only)")
    }
}

/// A contact id as the API hands them out: a number (`42`) or a token (`cnt_abc123`). Anything
/// else is refused before it is queued, since the server could only refuse it later.
enum ContactIDArgument {
    static func parse(_ text: String) throws -> String {
        let allowed = text.utf8.allSatisfy { byte in
            (0x30...0x39).contains(byte) || (0x41...0x5A).contains(byte) || (0x61...0x7A).contains(byte) || byte == 0x5F || byte == 0x2D
        }
        guard !text.isEmpty, text.utf8.count <= 64, allowed else {
            throw ValidationError("'\(HumanOutput.safe(text))' is not a contact id (digits, letters, '_' and '-', as in 42 or cnt_abc123)")
        }
        return text
    }
}

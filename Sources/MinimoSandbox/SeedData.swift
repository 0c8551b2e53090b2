/// The sandbox's starting data: custom field definitions and realistic contacts, deterministic
/// from (contact count, seed), with the hard cases a contact browser must render correctly.
struct SeedData: Sendable {
    var definitions: [CustomFieldDefinition]
    var contacts: [Contact]

    /// The id of `customer@example.com`, the docs' example contact, when there are enough contacts.
    static let docsExampleID = 42

    /// A 5,000-character value, to exercise wrapping, truncation and storage limits.
    static let longValue: String = {
        let sentence = "Lorem ipsum dolor sit amet, consectetur adipiscing elit, sed do eiusmod tempor. "
        return String(String(repeating: sentence, count: 5000 / sentence.count + 1).prefix(5000))
    }()

    /// A value holding terminal escape sequences and a carriage-return overwrite: a TUI that
    /// prints it raw turns red or hides text.
    static let escapeValue = "\u{1B}[31mred\u{1B}[0m then\rOVERWRITTEN \u{1B}]0;title\u{07}"

    /// A value with a right-to-left override, which reverses the text after it on screen.
    static let rtlValue = "invoice \u{202E}fdp.exe"

    init(contactCount: Int, seed: UInt64) {
        definitions = Self.makeDefinitions()
        var random = SplitMix64(seed: seed)
        let count = max(contactCount, 2)
        let customerID = min(Self.docsExampleID, count)
        var contacts: [Contact] = []
        var usedEmails = Set<String>()
        for id in 1...count {
            var contact: Contact
            if id == customerID {
                contact = Self.docsExample(id: id)
            } else if let hard = Self.hardCase(id: id) {
                contact = hard
            } else {
                contact = Self.randomContact(id: id, random: &random, usedEmails: usedEmails)
            }
            usedEmails.insert(contact.email)
            contacts.append(contact)
        }
        self.contacts = contacts
    }

    private static func makeDefinitions() -> [CustomFieldDefinition] {
        let specs: [(String, String, String, String?, [String]?)] = [
            ("FIRST_NAME", "First Name", "text", "Personal", nil),
            ("LAST_NAME", "Last Name", "text", "Personal", nil),
            ("NICKNAME", "Nickname", "text", "Personal", nil),
            ("COMPANY", "Company", "text", "Company Info", nil),
            ("PLAN", "Plan", "select", "Company Info", ["free", "pro", "enterprise"]),
            ("SEATS", "Seats", "number", "Company Info", nil),
            ("CITY", "City", "text", "Address", nil),
            ("VIP", "VIP", "boolean", "Account", nil),
            ("SIGNUP_DATE", "Signup Date", "date", "Account", nil),
            ("LAST_LOGIN", "Last Login", "datetime", "Account", nil),
            ("PREFERENCES", "Preferences", "json", nil, nil),
            ("NOTES", "Notes", "text", "Notes", nil),
        ]
        return specs.enumerated().map { index, spec in
            CustomFieldDefinition(id: index + 1, key: spec.0, displayName: spec.1, type: spec.2, category: spec.3, values: spec.4)
        }
    }

    private static func contact(
        id: Int, email: String, phone: String?, source: String = "API", fields: KeyValuePairs<String, JSONValue>,
        consent: MarketingConsent
    ) -> Contact {
        Contact(
            id: id, email: email, phone: phone, status: "active", source: source,
            customFields: fields.map { JSONMember(key: $0.key, value: $0.value) }, company: 1, deleted: false,
            externalID: nil, externalConnectionID: nil, marketingConsent: consent)
    }

    /// The docs' example contact (`GET /contacts/by-email/customer@example.com`).
    private static func docsExample(id: Int) -> Contact {
        contact(
            id: id, email: "customer@example.com", phone: "+393391234567",
            fields: ["company": "Acme Corp", "plan": "enterprise"], consent: MarketingConsent(email: true, whatsapp: false))
    }

    /// Contacts 1...5: accents, CJK, emoji, escape sequences and RTL, empty values. Contact 1 alone
    /// holds one of each, so even a two-contact sandbox has every hard case.
    private static func hardCase(id: Int) -> Contact? {
        switch id {
        case 1:
            return contact(
                id: 1, email: "josé.müller@example.it", phone: "+393471234501",
                fields: [
                    "first_name": "José", "last_name": "Müller", "nickname": "", "company": "山田太郎商事 🍣",
                    "plan": "pro", "seats": 12, "city": "Città di Castello", "vip": true, "signup_date": "2023-04-17",
                    "last_login": "2025-11-13T10:30:00Z",
                    "preferences": .object(["language": "it", "theme": "dark", "signature": .string(rtlValue)]),
                    "notes": .string(escapeValue + " " + longValue),
                ], consent: MarketingConsent(email: true, whatsapp: nil))
        case 2:
            return contact(
                id: 2, email: "yamada.taro@example.jp", phone: "+819012345678",
                fields: [
                    "first_name": "太郎", "last_name": "山田", "company": "山田太郎株式会社", "plan": "enterprise", "seats": 250,
                    "city": "東京", "vip": false, "signup_date": "2022-01-05", "notes": "山田太郎 — 日本語のメモ",
                ], consent: MarketingConsent(email: false, whatsapp: false))
        case 3:
            return contact(
                id: 3, email: "zoe.emoji@example.com", phone: "+447700900123", source: "import",
                fields: [
                    "first_name": "Zoë 🦄", "last_name": "D'Angelo", "nickname": "👩🏽‍💻", "company": "🚀 Rocket S.r.l.",
                    "plan": "free", "city": "Sant'Agata de' Goti", "notes": "Likes 🍕 and 🇮🇹, family 👨‍👩‍👧‍👦",
                ], consent: MarketingConsent(email: true, whatsapp: true))
        case 4:
            return contact(
                id: 4, email: "mallory@example.net", phone: "+12025550104",
                fields: [
                    "first_name": "Mallory", "last_name": .string("\u{202E}yrollaM"), "company": "Evil\rCorp",
                    "notes": .string(escapeValue), "city": .string(rtlValue), "plan": "pro",
                ], consent: MarketingConsent(email: nil, whatsapp: true))
        case 5:
            return contact(
                id: 5, email: "empty.fields@example.org", phone: nil, source: "form",
                fields: ["first_name": "", "last_name": "", "company": "", "city": "", "notes": "", "preferences": .object([])],
                consent: MarketingConsent(email: nil, whatsapp: nil))
        case 6:
            return contact(
                id: 6, email: "long.value@example.com", phone: "+393351234506",
                fields: ["first_name": "Bartolomeo", "last_name": "Lunghissimo", "notes": .string(longValue), "company": "Società Cooperativa Agricola"],
                consent: MarketingConsent(email: false, whatsapp: nil))
        default:
            return nil
        }
    }

    private static let firstNames = [
        "Giulia", "Marco", "Francesca", "Alessandro", "Chiara", "Luca", "Sofia", "Matteo", "Martina", "Lorenzo",
        "Giorgia", "Andrea", "Elena", "Davide", "Sara", "Federico", "Alice", "Riccardo", "Valentina", "Niccolò",
        "Emma", "Liam", "Olivia", "Noah", "Hannah", "Lukas", "Amélie", "Mateo", "Ingrid", "Kenji", "Aiko", "Priya",
    ]
    private static let lastNames = [
        "Rossi", "Russo", "Ferrari", "Esposito", "Bianchi", "Romano", "Colombo", "Ricci", "Marino", "Greco",
        "Bruno", "Gallo", "Conti", "De Luca", "Mancini", "Costa", "Giordano", "Rizzo", "Lombardi", "Moretti",
        "Smith", "Johnson", "Müller", "Dubois", "García", "Nakamura", "Sato", "Patel", "Nielsen", "O'Brien",
    ]
    private static let domains = ["example.com", "example.it", "example.org", "mail.example.net", "acme.example", "studio.example.it"]
    private static let companies = [
        "Acme Corp", "Pasticceria Bianchi", "Ferramenta Rossi S.n.c.", "Studio Legale Conti", "Moretti & Figli",
        "Globex", "Initech", "Umbrella Italia", "Vini del Chianti S.r.l.", "Trattoria da Gino", "Blue Sky Ltd",
    ]
    private static let cities = [
        "Milano", "Roma", "Torino", "Napoli", "Bologna", "Firenze", "Perugia", "Bari", "Forlì", "Cefalù",
        "London", "New York", "Tokyo", "Berlin", "Paris",
    ]
    private static let sources = ["API", "API", "API", "import", "import", "form", "zapier", "manual"]

    /// An email-safe lowercase ASCII form of a name part ("De Luca" -> "deluca", "Müller" -> "muller").
    private static func emailPart(_ text: String) -> String {
        let folded: [Character: String] = [
            "à": "a", "á": "a", "è": "e", "é": "e", "ì": "i", "í": "i", "ò": "o", "ó": "o", "ù": "u", "ú": "u",
            "ü": "u", "ö": "o", "ä": "a", "ç": "c", "ñ": "n",
        ]
        var output = ""
        for character in text.lowercased() {
            if let replacement = folded[character] {
                output += replacement
            } else if character.isASCII, character.isLetter || character.isNumber {
                output.append(character)
            }
        }
        return output
    }

    private static func randomPhone(random: inout SplitMix64) -> String {
        func digits(_ count: Int) -> String {
            var text = ""
            for _ in 0..<count { text += String(random.int(in: 0...9)) }
            return text
        }
        let roll = random.int(in: 0...99)
        switch roll {
        case 0..<70: return "+393" + String(random.int(in: 20...99)) + digits(7)
        case 70..<82: return "+1" + String(random.int(in: 201...989)) + "555" + digits(4)
        case 82..<92: return "+447" + digits(9)
        default: return "+8190" + digits(8)
        }
    }

    private static func randomContact(id: Int, random: inout SplitMix64, usedEmails: Set<String>) -> Contact {
        let first = random.pick(firstNames)
        let last = random.pick(lastNames)
        let domain = random.pick(domains)
        let separator = random.pick([".", ".", "_", ""])
        var email = "\(emailPart(first))\(separator)\(emailPart(last))@\(domain)"
        var suffix = 2
        while usedEmails.contains(email) || email == "customer@example.com" {
            email = "\(emailPart(first))\(separator)\(emailPart(last))\(suffix)@\(domain)"
            suffix += 1
        }
        let phone: String? = random.chance(0.85) ? randomPhone(random: &random) : nil
        var fields: [JSONMember] = [
            JSONMember(key: "first_name", value: .string(first)),
            JSONMember(key: "last_name", value: .string(last)),
        ]
        if random.chance(0.8) { fields.append(JSONMember(key: "company", value: .string(random.pick(companies)))) }
        let plan = random.pick(["free", "free", "pro", "enterprise"])
        fields.append(JSONMember(key: "plan", value: .string(plan)))
        if plan != "free" { fields.append(JSONMember(key: "seats", value: .int(random.int(in: 1...500)))) }
        if random.chance(0.7) { fields.append(JSONMember(key: "city", value: .string(random.pick(cities)))) }
        fields.append(JSONMember(key: "vip", value: .bool(random.chance(0.15))))
        let year = random.int(in: 2019...2025)
        let month = random.int(in: 1...12)
        let day = random.int(in: 1...28)
        fields.append(JSONMember(key: "signup_date", value: .string("\(year)-\(twoDigits(month))-\(twoDigits(day))")))
        if random.chance(0.6) {
            let stamp = "2025-\(twoDigits(random.int(in: 1...11)))-\(twoDigits(random.int(in: 1...28)))T"
                + "\(twoDigits(random.int(in: 0...23))):\(twoDigits(random.int(in: 0...59))):\(twoDigits(random.int(in: 0...59)))Z"
            fields.append(JSONMember(key: "last_login", value: .string(stamp)))
        }
        if random.chance(0.3) {
            fields.append(JSONMember(key: "preferences", value: .object([
                "language": .string(random.pick(["it", "en", "de", "ja"])),
                "newsletter": .bool(random.chance(0.5)),
            ])))
        }
        if random.chance(0.2) {
            fields.append(JSONMember(key: "notes", value: .string(random.pick([
                "Richiamare lunedì", "Prefers WhatsApp", "Met at the Bologna fair", "Cliente storico", "Needs an invoice each month",
            ]))))
        }
        func consent() -> Bool? {
            let roll = random.int(in: 0...9)
            return roll < 4 ? true : (roll < 7 ? false : nil)
        }
        let emailConsent = consent()
        let whatsappConsent = consent()
        let hasExternal = random.chance(0.1)
        return Contact(
            id: id, email: email, phone: phone, status: random.chance(0.9) ? "active" : "inactive",
            source: random.pick(sources), customFields: fields, company: 1, deleted: false,
            externalID: hasExternal ? "crm-\(10_000 + id)" : nil, externalConnectionID: hasExternal ? 7 : nil,
            marketingConsent: MarketingConsent(email: emailConsent, whatsapp: whatsappConsent))
    }

    private static func twoDigits(_ number: Int) -> String {
        number < 10 ? "0\(number)" : "\(number)"
    }
}

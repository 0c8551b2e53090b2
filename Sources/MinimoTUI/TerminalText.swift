/// Makes text from the API safe to put on a terminal, and measures it in columns.
///
/// Every string that came from the network goes through `sanitize` before it reaches the
/// terminal. Escaped, never interpreted, each shown visibly (`\x1B`, `\r`, `<U+202E>`):
/// control characters (C0, DEL, C1), so escape sequences cannot move the cursor, set the title
/// or write the clipboard; format characters, among them the bidi overrides, isolates and marks,
/// so text cannot reorder itself; line and paragraph separators, unassigned code points and
/// noncharacters (terminals print them as junk of unknown width); and invisible characters
/// (zero-width spaces, fillers, tags, a variation selector with nothing to vary). Inside a
/// character, joiners are kept where they join (emoji sequences, Indic and Persian shaping, at
/// most one in a row), tags only in an emoji flag, and floods of combining marks are cut, so
/// one cell cannot grow without bound.
public enum TerminalText {
    /// Combining marks kept per character; the rest are summarised.
    public static let maxMarksPerCharacter = 4
    /// Joiners (ZWJ, ZWNJ) kept per character: the longest emoji sequences need three.
    public static let maxJoinersPerCharacter = 4
    /// Scalars kept per character in all (the longest emoji sequences have ten); the rest are
    /// summarised with the marks.
    public static let maxScalarsPerCharacter = 12

    public static func sanitize(_ text: String) -> String {
        // Printable ASCII, by far the most common text, needs nothing.
        if text.utf8.allSatisfy({ (0x20...0x7E).contains($0) }) { return text }
        var output = ""
        output.reserveCapacity(text.utf8.count)
        for character in text {
            if let ascii = character.asciiValue, (0x20...0x7E).contains(ascii) {
                output.append(character)
                continue
            }
            let scalars = character.unicodeScalars
            if scalars.count == 1, let scalar = scalars.first {
                output += escape(scalar) ?? String(character)
                continue
            }
            output += sanitize(cluster: scalars)
        }
        return output
    }

    /// One grapheme cluster of several scalars: the safe ones kept (up to the caps), the
    /// dangerous ones escaped after them, the dropped marks summarised.
    static func sanitize(cluster scalars: Character.UnicodeScalarView) -> String {
        var kept = String.UnicodeScalarView()
        var keptCount = 0
        var marks = 0
        var joiners = 0
        var tags = 0
        var dropped = 0
        var escapes = ""
        var lastKeptIsJoiner = true  // nothing kept yet: a joiner here would join nothing
        let flag = scalars.first?.value == 0x1F3F4  // 🏴 + tag letters + cancel tag: a subdivision flag
        for scalar in scalars {
            if scalar.value == 0x200C || scalar.value == 0x200D {
                // Joiners build emoji sequences and shape Indic and Persian text; alone, doubled
                // or in a flood they are invisible junk.
                if !lastKeptIsJoiner, joiners < maxJoinersPerCharacter, keptCount < maxScalarsPerCharacter {
                    kept.append(scalar)
                    keptCount += 1
                    joiners += 1
                    lastKeptIsJoiner = true
                } else {
                    escapes += "<U+" + hex(scalar.value, digits: 4) + ">"
                }
                continue
            }
            // The flags of England, Scotland and Wales have five tag letters and a cancel tag.
            let isTagInFlag = flag && (0xE0020...0xE007F).contains(scalar.value) && tags < 7
            if isTagInFlag { tags += 1 }
            // An invisible mark (a variation selector) with nothing before it to modify is junk.
            if !isTagInFlag, let escaped = escape(scalar, inCluster: keptCount > 0) {
                escapes += escaped
                continue
            }
            if isMark(scalar) {
                marks += 1
                if marks > maxMarksPerCharacter {
                    dropped += 1
                    continue
                }
            }
            if keptCount >= maxScalarsPerCharacter {
                dropped += 1
                continue
            }
            kept.append(scalar)
            keptCount += 1
            lastKeptIsJoiner = false
        }
        // Marks whose base was escaped (an unassigned or format scalar) would join the character
        // written before them, beside its own marks, past the cap: on a dotted circle, as Unicode
        // shows a mark alone, they stay a character of their own (and sanitising stays idempotent;
        // the fuzzer found this).
        if let first = kept.first, isMark(first) || first.properties.isEmojiModifier {
            kept.insert("\u{25CC}", at: kept.startIndex)
        }
        var output = String(kept)
        output += escapes
        if dropped > 0 { output += "<+\(dropped) marks>" }
        return output
    }

    static func isMark(_ scalar: Unicode.Scalar) -> Bool {
        switch scalar.properties.generalCategory {
        case .nonspacingMark, .spacingMark, .enclosingMark: return true
        default: return false
        }
    }

    /// The visible form of a scalar that must not reach the terminal raw, or nil if it is safe.
    /// Inside a cluster, invisible combining marks (variation selectors, the grapheme joiner)
    /// are left to the mark cap: they modify the character before them.
    static func escape(_ scalar: Unicode.Scalar, inCluster: Bool = false) -> String? {
        switch scalar.value {
        case 0x0A: return "\\n"
        case 0x0D: return "\\r"
        case 0x09: return "\\t"
        case 0x00...0x1F, 0x7F...0x9F: return "\\x" + hex(scalar.value, digits: 2)
        default: break
        }
        let properties = scalar.properties
        switch properties.generalCategory {
        case .format, .lineSeparator, .paragraphSeparator, .surrogate, .unassigned, .control:
            return "<U+" + hex(scalar.value, digits: 4) + ">"
        default:
            break
        }
        if properties.isDefaultIgnorableCodePoint, !(inCluster && isMark(scalar)) {
            return "<U+" + hex(scalar.value, digits: 4) + ">"
        }
        return nil
    }

    private static func hex(_ value: UInt32, digits: Int) -> String {
        let text = String(value, radix: 16, uppercase: true)
        return String(repeating: "0", count: max(0, digits - text.count)) + text
    }

    /// Columns a sanitised string takes: wide (CJK, fullwidth, emoji) characters take two,
    /// combining marks none.
    public static func displayWidth(_ text: String) -> Int {
        if text.utf8.allSatisfy({ (0x20...0x7E).contains($0) }) { return text.utf8.count }
        return text.reduce(0) { $0 + width(of: $1) }
    }

    public static func width(of character: Character) -> Int {
        if character.isASCII { return 1 }
        guard let first = character.unicodeScalars.first else { return 0 }
        // One scalar from ranges that are one column and never marks or format characters: Latin
        // letters (but the soft hyphen), the box drawing of every pane's border, dashes, quotes
        // and the ellipsis. Spares each frame two Unicode property lookups per border cell.
        if character.unicodeScalars.count == 1 {
            switch first.value {
            case 0xA0..<0xAD, 0xAE..<0x300, 0x2010...0x2027, 0x2500...0x259F: return 1
            default: break
            }
        }
        switch first.properties.generalCategory {
        case .nonspacingMark, .enclosingMark, .format: return 0
        default: break
        }
        if character.unicodeScalars.count > 1,
            character.unicodeScalars.contains(where: { $0.value == 0xFE0F || $0.properties.isEmojiPresentation })
        {
            return 2
        }
        // Hangul medial vowels and final consonants: terminals give them no column of their own.
        if (0x1160...0x11FF).contains(first.value) || (0xD7B0...0xD7FF).contains(first.value) { return 0 }
        if first.properties.isEmojiPresentation { return 2 }
        return isWide(first.value) ? 2 : 1
    }

    /// East Asian Wide and Fullwidth (Unicode 14, as glibc's `wcwidth` and so tmux and ncurses
    /// measure them), ranges joined across unassigned gaps. A character the terminal draws two
    /// columns wide but counted as one here would cover the next cell, a pane border included.
    static func isWide(_ value: UInt32) -> Bool {
        switch value {
        case 0x1100...0x115F, 0x231A...0x231B, 0x2329...0x232A, 0x23E9...0x23EC, 0x23F0, 0x23F3, 0x25FD...0x25FE,
            0x2614...0x2615, 0x2648...0x2653, 0x267F, 0x2693, 0x26A1, 0x26AA...0x26AB, 0x26BD...0x26BE, 0x26C4...0x26C5,
            0x26CE, 0x26D4, 0x26EA, 0x26F2...0x26F3, 0x26F5, 0x26FA, 0x26FD, 0x2705, 0x270A...0x270B, 0x2728, 0x274C,
            0x274E, 0x2753...0x2755, 0x2757, 0x2795...0x2797, 0x27B0, 0x27BF, 0x2B1B...0x2B1C, 0x2B50, 0x2B55,
            0x2E80...0x303E, 0x3041...0x3247, 0x3250...0x4DBF, 0x4E00...0xA4C6, 0xA960...0xA97C, 0xAC00...0xD7A3,
            0xF900...0xFAD9, 0xFE10...0xFE19, 0xFE30...0xFE6B, 0xFF01...0xFF60, 0xFFE0...0xFFE6, 0x16FE0...0x1B2FB,
            0x1F004, 0x1F0CF, 0x1F18E, 0x1F191...0x1F19A, 0x1F200...0x1F320, 0x1F32D...0x1F335, 0x1F337...0x1F37C,
            0x1F37E...0x1F393, 0x1F3A0...0x1F3CA, 0x1F3CF...0x1F3D3, 0x1F3E0...0x1F3F0, 0x1F3F4, 0x1F3F8...0x1F43E,
            0x1F440, 0x1F442...0x1F4FC, 0x1F4FF...0x1F53D, 0x1F54B...0x1F54E, 0x1F550...0x1F567, 0x1F57A,
            0x1F595...0x1F596, 0x1F5A4, 0x1F5FB...0x1F64F, 0x1F680...0x1F6C5, 0x1F6CC, 0x1F6D0...0x1F6D2,
            0x1F6D5...0x1F6DF, 0x1F6EB...0x1F6EC, 0x1F6F4...0x1F6FC, 0x1F7E0...0x1F7F0, 0x1F90C...0x1F93A,
            0x1F93C...0x1F945, 0x1F947...0x1F9FF, 0x1FA70...0x1FAFF, 0x20000...0x2FFFD, 0x30000...0x3FFFD:
            return true
        default:
            return false
        }
    }

    /// The width of text made only of printable ASCII (a byte a column), or nil. Most of what a
    /// frame shows is ASCII: this spares each frame a grapheme walk with Unicode property
    /// lookups per character (a fifth of a list move's CPU, measured with perf).
    @inline(__always)
    static func printableASCIIWidth(_ text: String) -> Int? {
        var count = 0
        for byte in text.utf8 {
            guard byte >= 0x20, byte < 0x7F else { return nil }
            count += 1
        }
        return count
    }

    /// Pads (or cuts, with `…`) sanitised text to exactly `columns` display columns.
    public static func fit(_ text: String, columns: Int) -> String {
        guard columns > 0 else { return "" }
        if let count = printableASCIIWidth(text) {
            if count <= columns { return text + String(repeating: " ", count: columns - count) }
            return String(decoding: text.utf8.prefix(columns - 1), as: UTF8.self) + "…"
        }
        var used = 0
        var output = ""
        if let total = width(text, atMost: columns) { return text + String(repeating: " ", count: columns - total) }
        for character in text {
            let width = width(of: character)
            if used + width > columns - 1 { break }
            output.append(character)
            used += width
        }
        output += "…"
        used += 1
        return output + String(repeating: " ", count: max(0, columns - used))
    }

    /// The longest start of `text` that fits in `columns` display columns (no ellipsis, no
    /// padding): a wide character that would straddle the limit is left out.
    public static func prefix(_ text: String, columns: Int) -> String {
        var used = 0
        var output = ""
        for character in text {
            let width = width(of: character)
            if used + width > columns { break }
            output.append(character)
            used += width
        }
        return output
    }

    /// `text` cut with `…` to at most `columns` display columns, without padding: for titles and
    /// messages whose end matters less than their start.
    public static func truncate(_ text: String, columns: Int) -> String {
        guard columns > 0 else { return "" }
        if width(text, atMost: columns) != nil { return text }
        return prefix(text, columns: columns - 1) + "…"
    }

    /// The display width of `text` when it is at most `limit`, else nil: counting stops at the
    /// limit, so a 100k-character value costs no more than a short one.
    static func width(_ text: String, atMost limit: Int) -> Int? {
        if let count = printableASCIIWidth(text) { return count <= limit ? count : nil }
        var used = 0
        for character in text {
            used += width(of: character)
            if used > limit { return nil }
        }
        return used
    }
}

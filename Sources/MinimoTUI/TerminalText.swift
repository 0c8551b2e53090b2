/// Makes text from the API safe to put on a terminal, and measures it in columns.
///
/// Every string that came from the network goes through `sanitize` before it reaches the
/// terminal: control characters (C0, DEL, C1), so escape sequences cannot move the cursor, set
/// the title or write the clipboard; bidi overrides and isolates, so text cannot reorder itself;
/// and invisible zero-width characters. Each is shown visibly escaped (`\x1B`, `\r`,
/// `<U+202E>`), never interpreted. Floods of combining marks are cut so one cell cannot grow
/// without bound.
public enum TerminalText {
    /// Combining marks kept per character; the rest are summarised.
    public static let maxMarksPerCharacter = 4

    public static func sanitize(_ text: String) -> String {
        var output = ""
        output.reserveCapacity(text.utf8.count)
        for character in text {
            let scalars = character.unicodeScalars
            if scalars.count == 1, let scalar = scalars.first {
                output += escape(scalar) ?? String(character)
                continue
            }
            // A cluster: escape any dangerous scalar inside it, cap the marks.
            var kept = String.UnicodeScalarView()
            var marks = 0
            var dropped = 0
            var escapes = ""
            for scalar in scalars {
                // Joiners and non-joiners inside a cluster build emoji sequences and shape
                // Indic and Persian text; alone they are invisible, and escaped above.
                if let escaped = escape(scalar), scalar.value != 0x200C, scalar.value != 0x200D {
                    escapes += escaped
                    continue
                }
                if scalar.properties.generalCategory == .nonspacingMark || scalar.properties.generalCategory == .enclosingMark {
                    marks += 1
                    if marks > maxMarksPerCharacter {
                        dropped += 1
                        continue
                    }
                }
                kept.append(scalar)
            }
            output += String(kept)
            output += escapes
            if dropped > 0 { output += "<+\(dropped) marks>" }
        }
        return output
    }

    /// The visible form of a scalar that must not reach the terminal raw, or nil if it is safe.
    static func escape(_ scalar: Unicode.Scalar) -> String? {
        switch scalar.value {
        case 0x0A: return "\\n"
        case 0x0D: return "\\r"
        case 0x09: return "\\t"
        case 0x00...0x1F, 0x7F...0x9F: return "\\x" + hex(scalar.value, digits: 2)
        case 0x200B...0x200F, 0x202A...0x202E, 0x2060...0x2064, 0x2066...0x206F, 0x061C, 0xFEFF, 0xFFF9...0xFFFB:
            return "<U+" + hex(scalar.value, digits: 4) + ">"
        default: return nil
        }
    }

    private static func hex(_ value: UInt32, digits: Int) -> String {
        let text = String(value, radix: 16, uppercase: true)
        return String(repeating: "0", count: max(0, digits - text.count)) + text
    }

    /// Columns a sanitised string takes: wide (CJK, fullwidth, emoji) characters take two,
    /// combining marks none.
    public static func displayWidth(_ text: String) -> Int {
        text.reduce(0) { $0 + width(of: $1) }
    }

    public static func width(of character: Character) -> Int {
        guard let first = character.unicodeScalars.first else { return 0 }
        if character.unicodeScalars.count > 1,
            character.unicodeScalars.contains(where: { $0.value == 0xFE0F || $0.properties.isEmojiPresentation })
        {
            return 2
        }
        switch first.properties.generalCategory {
        case .nonspacingMark, .enclosingMark, .format: return 0
        default: break
        }
        if first.properties.isEmojiPresentation { return 2 }
        return isWide(first.value) ? 2 : 1
    }

    /// East Asian Wide and Fullwidth ranges (Unicode 15, abridged to the blocks that occur in text).
    static func isWide(_ value: UInt32) -> Bool {
        switch value {
        case 0x1100...0x115F, 0x231A...0x231B, 0x2329...0x232A, 0x2E80...0x303E, 0x3041...0x33FF,
            0x3400...0x4DBF, 0x4E00...0x9FFF, 0xA000...0xA4CF, 0xA960...0xA97F, 0xAC00...0xD7A3,
            0xF900...0xFAFF, 0xFE10...0xFE19, 0xFE30...0xFE6F, 0xFF00...0xFF60, 0xFFE0...0xFFE6,
            0x1F300...0x1F64F, 0x1F900...0x1F9FF, 0x20000...0x2FFFD, 0x30000...0x3FFFD:
            return true
        default:
            return false
        }
    }

    /// Pads (or cuts, with `…`) sanitised text to exactly `columns` display columns.
    public static func fit(_ text: String, columns: Int) -> String {
        guard columns > 0 else { return "" }
        var used = 0
        var output = ""
        let total = displayWidth(text)
        if total <= columns { return text + String(repeating: " ", count: columns - total) }
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
        if displayWidth(text) <= columns { return text }
        return prefix(text, columns: columns - 1) + "…"
    }
}

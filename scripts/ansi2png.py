#!/usr/bin/env python3
"""Render a tmux `capture-pane -e -p` capture (text with ANSI colours) to a PNG.

Usage: ansi2png.py CAPTURE.txt OUT.png [COLUMNS ROWS]
Needs Pillow (pip install pillow) and DejaVu Sans Mono (apt-get install fonts-dejavu-core);
wide CJK characters use WenQuanYi Micro Hei when installed (apt-get install fonts-wqy-microhei).
Box-drawing characters are drawn as lines, so borders join up.
"""
import re
import sys
import unicodedata

from PIL import Image, ImageDraw, ImageFont

FONT_DIR = "/usr/share/fonts/truetype/dejavu/"
BASE = ["#1d1f21", "#cc6666", "#b5bd68", "#f0c674", "#81a2be", "#b294bb", "#8abeb7", "#c5c8c6"]
BRIGHT = ["#666666", "#ff7b7b", "#d7e07f", "#ffd787", "#a3c4e0", "#d2b5db", "#a8dcd6", "#ffffff"]
DEFAULT_FG, DEFAULT_BG = "#d8dee9", "#1b1d23"


def xterm256(n):
    if n < 8:
        return BASE[n]
    if n < 16:
        return BRIGHT[n - 8]
    if n < 232:
        n -= 16
        steps = [0, 95, 135, 175, 215, 255]
        return "#%02x%02x%02x" % (steps[n // 36], steps[(n // 6) % 6], steps[n % 6])
    level = 8 + (n - 232) * 10
    return "#%02x%02x%02x" % (level, level, level)


# left, right, up, down
BOX = {"─": (1, 1, 0, 0), "│": (0, 0, 1, 1), "┌": (0, 1, 0, 1), "┐": (1, 0, 0, 1), "└": (0, 1, 1, 0),
       "┘": (1, 0, 1, 0), "├": (0, 1, 1, 1), "┤": (1, 0, 1, 1), "┬": (1, 1, 0, 1), "┴": (1, 1, 1, 0), "┼": (1, 1, 1, 1)}


def width(ch):
    if unicodedata.combining(ch):
        return 0
    return 2 if unicodedata.east_asian_width(ch) in ("W", "F") else 1


def parse(text):
    rows = []
    for line in text.split("\n"):
        cells = []
        fg, bg, bold, reverse, dim = None, None, False, False, False
        i = 0
        while i < len(line):
            m = re.match(r"\x1b\[([0-9;]*)m", line[i:])
            if m:
                codes = [int(c) if c else 0 for c in m.group(1).split(";")] or [0]
                j = 0
                while j < len(codes):
                    c = codes[j]
                    if c == 0:
                        fg, bg, bold, reverse, dim = None, None, False, False, False
                    elif c == 1:
                        bold = True
                    elif c == 2:
                        dim = True
                    elif c == 22:
                        bold = dim = False
                    elif c == 7:
                        reverse = True
                    elif c == 27:
                        reverse = False
                    elif 30 <= c <= 37:
                        fg = BASE[c - 30]
                    elif 90 <= c <= 97:
                        fg = BRIGHT[c - 90]
                    elif c == 39:
                        fg = None
                    elif 40 <= c <= 47:
                        bg = BASE[c - 40]
                    elif 100 <= c <= 107:
                        bg = BRIGHT[c - 100]
                    elif c == 49:
                        bg = None
                    elif c in (38, 48) and j + 2 < len(codes) and codes[j + 1] == 5:
                        if c == 38:
                            fg = xterm256(codes[j + 2])
                        else:
                            bg = xterm256(codes[j + 2])
                        j += 2
                    j += 1
                i += len(m.group(0))
                continue
            if line[i] == "\x1b":  # other sequences: skip
                m = re.match(r"\x1b\[[0-9;?]*[A-Za-z]", line[i:])
                i += len(m.group(0)) if m else 1
                continue
            ch = line[i]
            f, b = fg or DEFAULT_FG, bg or DEFAULT_BG
            if reverse:
                f, b = b, f
            if dim and not reverse:
                f = "#8a8f98"
            cells.append((ch, f, b, bold))
            i += 1
        rows.append(cells)
    return rows


def main():
    source, out = sys.argv[1], sys.argv[2]
    columns = int(sys.argv[3]) if len(sys.argv) > 3 else 120
    rows_wanted = int(sys.argv[4]) if len(sys.argv) > 4 else None
    rows = parse(open(source, encoding="utf-8").read().rstrip("\n"))
    if rows_wanted:
        rows = rows[:rows_wanted]
    size = 16
    regular = ImageFont.truetype(FONT_DIR + "DejaVuSansMono.ttf", size)
    bold = ImageFont.truetype(FONT_DIR + "DejaVuSansMono-Bold.ttf", size)
    try:
        wide_font = ImageFont.truetype("/usr/share/fonts/truetype/wqy/wqy-microhei.ttc", size)
    except OSError:
        wide_font = regular
    cell_w = int(regular.getlength("M"))
    cell_h = size + 4
    image = Image.new("RGB", (cell_w * columns + 16, cell_h * len(rows) + 16), DEFAULT_BG)
    draw = ImageDraw.Draw(image)
    for y, cells in enumerate(rows):
        x = 0
        for ch, f, b, is_bold in cells:
            w = width(ch)
            if w == 0:
                continue
            px, py = 8 + x * cell_w, 8 + y * cell_h
            draw.rectangle([px, py, px + cell_w * w - 1, py + cell_h - 1], fill=b)
            if ch in BOX:
                left, right, up, down = BOX[ch]
                cx, cy = px + cell_w // 2, py + cell_h // 2
                if left:
                    draw.line([px, cy, cx, cy], fill=f)
                if right:
                    draw.line([cx, cy, px + cell_w - 1, cy], fill=f)
                if up:
                    draw.line([cx, py, cx, cy], fill=f)
                if down:
                    draw.line([cx, cy, cx, py + cell_h - 1], fill=f)
            else:
                font = wide_font if w == 2 else (bold if is_bold else regular)
                draw.text((px, py + 1), ch, font=font, fill=f)
            x += w
    image.save(out)


if __name__ == "__main__":
    main()

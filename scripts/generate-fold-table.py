#!/usr/bin/env python3
"""Writes src/catalogue/fold_table.inc, the table fold_for_search uses to drop diacritics: each
letter of Latin-1, Latin Extended-A and -B and Latin Extended Additional (Vietnamese) whose
canonical decomposition (NFD, marks removed, lowercased) is plain ASCII, the letters that have no
decomposition but an accepted ASCII spelling (EXTRA), and the combining marks, which fold to
nothing. Run it after changing the ranges or EXTRA: python3 scripts/generate-fold-table.py"""
import pathlib
import unicodedata

RANGES = [(0x00C0, 0x00FF), (0x0100, 0x017F), (0x0180, 0x024F), (0x0300, 0x036F), (0x1E00, 0x1EFF)]
# Letters that do not decompose but are written so in ASCII (Danish, German, Vietnamese, Polish, ...).
EXTRA = {
    "Æ": "ae", "æ": "ae", "Ø": "o", "ø": "o", "ß": "ss", "Đ": "d", "đ": "d", "Ł": "l", "ł": "l",
    "Œ": "oe", "œ": "oe", "ı": "i",
}


def fold(ch):
    if ch in EXTRA:
        return EXTRA[ch]
    if unicodedata.category(ch) == "Mn":
        return ""
    base = "".join(c for c in unicodedata.normalize("NFD", ch) if unicodedata.category(c) != "Mn").lower()
    return base if base.isascii() and base.isalpha() else None


def main():
    lines = [
        "// Generated from Python's unicodedata (NFD, marks removed, lowercased) for Latin-1, Latin",
        "// Extended-A/B, Latin Extended Additional (Vietnamese) and combining marks. Sorted by code point.",
        "// {code point, ASCII replacement}",
    ]
    for low, high in RANGES:
        for code in range(low, high + 1):
            folded = fold(chr(code))
            if folded is None:
                continue
            lines.append(f'{{0x{code:04X}, "{folded}"}},')
    out = pathlib.Path(__file__).resolve().parent.parent / "src/catalogue/fold_table.inc"
    out.write_text("\n".join(lines) + "\n")


if __name__ == "__main__":
    main()

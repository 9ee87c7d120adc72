"""Derive GNU gettext's line-break opportunities between pairs of characters, from msgcat itself.

gettext wraps PO strings with libunistring's UAX #14 implementation, which decides a break
opportunity from the class of the last non-space character, the class of the next one, and
whether spaces stood between them. This script asks the installed msgcat about every pair of
characters of a fixed alphabet (ASCII, the typography of the toolbox's languages, and one
representative letter per script) and writes the table ``src/equalcity/po/_linebreaks.py``:

    D  break possible directly between the two characters
    I  break possible only when spaces stand between them (after the spaces)
    P  no break

``equalcity.po.wrap`` uses the table for strings made only of that alphabet and falls back to
msgcat for anything else; ``tests/po/test_wrap.py`` compares the two on random strings.

    python tools/derive_linebreaks.py
"""

from __future__ import annotations

import subprocess
from pathlib import Path

ASCII = [chr(c) for c in range(0x21, 0x7F)]
EXTRA = list(
    "\u00a0\u202f«»‘’‚“”„‹›—–‐…•·¡¿€£¥§°±×÷©®™¹²³¼½¾"  # Latin typography
    "ªº"  # ordinal indicators
    "،؛؟٪٫٬٠١٢٣٤٥٦٧٨٩ـ"  # Arabic punctuation, digits and tatweel
    "፡።፣፤፥፦፧"  # Ethiopic punctuation
)
# One letter per script; wrap.py maps every letter of these scripts to its representative.
LETTERS = list("éßłøαжبሀ")
ALPHABET = ASCII + EXTRA + LETTERS
FILL_A, FILL_B = "q" * 48, "z" * 48


def _escape(text: str) -> str:
    return text.replace("\\", "\\\\").replace('"', '\\"')


def _probe_entries() -> list[tuple[str, str, str, str]]:
    entries = []
    for a in ALPHABET:
        for b in ALPHABET:
            if b == '"':
                continue  # gettext writes \" : the backslash is what follows a, never the quote
            entries.append((f"{ord(a)}-{ord(b)}-0", a, b, FILL_A + a + b + FILL_B))
            entries.append((f"{ord(a)}-{ord(b)}-1", a, b, FILL_A + a + " " + b + FILL_B))
    return entries


def derive() -> dict[str, dict[str, str]]:
    entries = _probe_entries()
    po = ['msgid ""\nmsgstr ""\n"Content-Type: text/plain; charset=UTF-8\\n"\n']
    for ctx, _, _, text in entries:
        po.append(f'msgctxt "{ctx}"\nmsgid "{_escape(text)}"\nmsgstr ""\n')
    output = subprocess.run(
        ["msgcat", "-w", "40", "-"],
        input="\n".join(po).encode("utf-8"),
        capture_output=True,
        check=True,
    ).stdout.decode("utf-8")
    breaks: dict[str, bool] = {}
    for block in output.split("\n\n")[1:]:
        lines = block.strip("\n").split("\n")
        ctx = lines[0][len('msgctxt "') : -1]
        msgid_lines = []
        for line in lines[1:]:
            if line.startswith("msgstr"):
                break
            msgid_lines.append(line.removeprefix("msgid ").strip('"'))
        breaks[ctx] = msgid_lines
    table: dict[str, dict[str, str]] = {}
    for ctx, a, b, _ in entries:
        if not ctx.endswith("-0"):
            continue
        row = table.setdefault(a, {})
        direct = _broken_at(breaks[ctx], len(_escape(FILL_A + a)))
        spaced = _broken_at(breaks[ctx[:-1] + "1"], len(_escape(FILL_A + a + " ")))
        if direct and not spaced:
            raise SystemExit(f"not a pair rule: {a!r} {b!r} breaks only without a space")
        row[b] = "D" if direct else "I" if spaced else "P"
    return table


def _broken_at(lines: list[str], offset: int) -> bool:
    """True when msgcat ended a line exactly ``offset`` characters into the escaped string."""
    position = 0
    for line in lines[:-1]:
        position += len(line)
        if position == offset:
            return True
    return False


def main() -> None:
    table = derive()
    target = Path(__file__).parent.parent / "src" / "equalcity" / "po" / "_linebreaks.py"
    rows = []
    for a in ALPHABET:
        cells = "".join(table[a].get(b, "P") for b in ALPHABET)
        rows.append(f"    {a!r}: {cells!r},")
    version = subprocess.run(["msgcat", "--version"], capture_output=True, text=True).stdout
    target.write_text(
        '"""Line-break opportunities of GNU gettext, per pair of characters (generated).\n\n'
        f"Derived by tools/derive_linebreaks.py from {version.splitlines()[0]}; do not edit.\n"
        'PAIRS[a][i] is "D", "I" or "P" for ALPHABET[i] after a (see the tool).\n"""\n\n'
        f"ALPHABET = {''.join(ALPHABET)!r}\n"
        f"LETTERS = {''.join(LETTERS)!r}\n\n"
        "PAIRS = {\n" + "\n".join(rows) + "\n}\n",
        encoding="utf-8",
    )
    print(f"wrote {target} ({len(ALPHABET)} characters)")


if __name__ == "__main__":
    main()

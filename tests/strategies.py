"""Hypothesis strategies: CommonMark/GFM documents with the constructs the toolbox uses and more."""

from __future__ import annotations

from hypothesis import strategies as st

WORDS = st.sampled_from(
    [
        "survivor",
        "safety",
        "plan",
        "she",
        "the",
        "helpline",
        "référence",
        "über",
        "حماية",
        "data",
        "a",
        "of",
        "x1",
        "2",
        "#",
        "*",
        "_",
        "-",
        "+",
        ">",
        "|",
        "\\|",
        "\\",
        "`",
        "[",
        "]",
        "<",
        "&amp;",
        "!",
        "1.",
        "1)",
        "===",
        "---",
    ]
)

INLINE = st.one_of(
    WORDS,
    WORDS.map(lambda w: f"**{w}**"),
    WORDS.map(lambda w: f"*{w}*"),
    WORDS.map(lambda w: f"`{w}`"),
    WORDS.map(lambda w: f"[{w}](https://example.org/{len(w)})"),
    WORDS.map(lambda w: f"[{w}][ref]"),
    WORDS.map(lambda w: f"<span>{w}</span>"),
    WORDS.map(lambda w: f"~~{w}~~"),
    WORDS.map(lambda w: f"{w}[^1]"),
)


@st.composite
def text_line(draw: st.DrawFn) -> str:
    return " ".join(draw(st.lists(INLINE, min_size=1, max_size=6)))


@st.composite
def paragraph(draw: st.DrawFn, lazy_ok: bool = True) -> list[str]:
    lines = draw(st.lists(text_line(), min_size=1, max_size=3))
    out = []
    for index, line in enumerate(lines):
        ending = draw(st.sampled_from(["", "", "  ", "\\", " "])) if index < len(lines) - 1 else ""
        indent = draw(st.sampled_from(["", "", " ", "   "])) if index else ""
        out.append(indent + line + ending)
    return out


@st.composite
def heading(draw: st.DrawFn) -> list[str]:
    text = draw(text_line())
    style = draw(st.sampled_from(["atx", "atx-closed", "setext"]))
    level = draw(st.integers(1, 6))
    if style == "atx":
        return ["#" * level + " " + text]
    if style == "atx-closed":
        return ["#" * level + " " + text + " " + "#" * draw(st.integers(1, 3))]
    return [text, draw(st.sampled_from(["===", "---", "=", "------"]))]


@st.composite
def table(draw: st.DrawFn) -> list[str]:
    columns = draw(st.integers(1, 4))
    cell = st.one_of(
        st.just(""), text_line().map(lambda t: t.replace("|", "\\|").replace("\\\\|", "\\|"))
    )
    edge = draw(st.booleans())

    def row(cells: list[str], content: bool = True) -> str:
        # A row whose first cell starts like a list or heading ends the table; a translation that
        # puts a word first would then change the structure, which no splicing can prevent.
        if cells and content:
            cells = ["cell " + cells[0], *cells[1:]]
        body = " | ".join(cells)
        return f"| {body} |" if edge else body

    header = [draw(text_line()).replace("|", "\\|").replace("\\\\|", "\\|") for _ in range(columns)]
    align = [draw(st.sampled_from(["---", ":--", "--:", ":-:"])) for _ in range(columns)]
    rows = [row(header), row(align, content=False)]
    for _ in range(draw(st.integers(0, 3))):
        count = draw(st.integers(1, columns + 1)) if edge else columns
        rows.append(row([draw(cell) for _ in range(count)]))
    return rows


def _prefix(lines: list[str], first: str, rest: str) -> list[str]:
    return [(first if i == 0 else rest) + line if line else line for i, line in enumerate(lines)]


@st.composite
def block(draw: st.DrawFn, depth: int = 0) -> list[str]:
    kinds = ["paragraph", "heading", "code", "fence", "html", "hr", "table", "image", "marker"]
    kinds += ["lazy-quote", "lazy-item", "tab-item", "refdef"]
    if depth < 2:
        kinds += ["list", "ordered", "quote", "quote"]
    kind = draw(st.sampled_from(kinds))
    if kind == "paragraph":
        return draw(paragraph())
    if kind == "heading":
        return draw(heading())
    if kind == "code":
        return ["    " + draw(text_line()) for _ in range(draw(st.integers(1, 2)))]
    if kind == "fence":
        return ["```text", draw(text_line()), "```"]
    if kind == "html":
        return ["<div>", draw(text_line()), "</div>"]
    if kind == "hr":
        return [draw(st.sampled_from(["***", "- - -", "___"]))]
    if kind == "table":
        return draw(table())
    if kind == "image":
        return [f'![{draw(text_line()).replace("[", "").replace("]", "")}](img/pic.png "t")']
    if kind == "lazy-quote":
        return ["> " + draw(text_line()), "survivor " + draw(text_line())]
    if kind == "lazy-item":
        return [
            draw(st.sampled_from(["- ", "1. ", "10) "])) + draw(text_line()),
            "lazy " + draw(text_line()),
        ]
    if kind == "tab-item":
        return ["-\t" + draw(text_line()), "\tsurvivor " + draw(text_line())]
    if kind == "refdef":
        return ['[Ref]: https://example.org/r "Title"']
    if kind == "marker":
        return ["<!-- equalcity: testimony -->"]
    if kind in ("list", "ordered"):
        items = []
        marker = draw(st.sampled_from(["-", "*", "+"])) if kind == "list" else "1."
        for _ in range(draw(st.integers(1, 3))):
            inner = draw(block(depth + 1))
            width = len(marker) + 1
            items += _prefix(inner, marker + " ", " " * width)
            if draw(st.booleans()):
                items.append("")
        return items
    inner = draw(st.lists(block(depth + 1), min_size=1, max_size=2))
    lines: list[str] = []
    for part in inner:
        lines += [*part, ""]
    lines = lines[:-1]
    return [(">" + (" " + line if line else "")) for line in lines]


@st.composite
def document(draw: st.DrawFn) -> str:
    parts: list[str] = []
    if draw(st.booleans()):
        parts += [
            "---",
            f'title: "{draw(text_line()).replace(chr(92), "").replace(chr(34), "")}"',
            "summary: plain words here",
            "---",
        ]
    for _ in range(draw(st.integers(1, 6))):
        parts += draw(block())
        parts.append(draw(st.sampled_from(["", "", "\n"])))
    if parts[0].strip() == "---" and not parts[1].startswith("title:"):
        # A first line of dashes alone opens front matter (docs/authoring.md): a document
        # without front matter cannot start with one.
        parts.insert(0, "Intro.")
        parts.insert(1, "")
    if draw(st.booleans()):
        parts += ["[ref]: https://example.org/ref", "", "[^1]: A footnote text.", "    More of it."]
    newline = draw(st.sampled_from(["\n", "\n", "\r\n"]))
    text = newline.join(parts)
    if draw(st.booleans()):
        text += newline
    return text

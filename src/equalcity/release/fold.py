"""The A6 referral card imposed on A4 sheets, to print on one side and fold into a pocket booklet.

Each A4 portrait sheet carries four A6 pages (a "French fold"): the bottom row upright, the top
row turned upside down. Fold the top half behind the bottom half, then fold the result in half
like a book: the four pages come in reading order (for a left-to-right language: front cover
bottom right, then top right, top left, back cover bottom left; mirrored for right-to-left, whose
booklets open from the other side). A card longer than four pages takes more sheets, each folded
the same way and slipped inside the one before it, like the sheets of a magazine: the outer sheet
carries pages 1, 2 and the last two, the next one 3, 4 and the two before those. Pages past the
end of the card stay blank, so the card's last page may face an empty back cover.

The pages are placed as they are (vector text, not pictures of it) with pypdf; the output
depends only on the A6 PDF, so two releases of the same commit stay byte-identical.
"""

from __future__ import annotations

import io
from dataclasses import dataclass

MM = 72 / 25.4
A4 = (210 * MM, 297 * MM)  # width, height in points


@dataclass(frozen=True)
class Slot:
    """Where one page of a sheet goes: its panel's column and row, and whether it is turned."""

    column: int  # 0 left, 1 right
    row: int  # 0 bottom, 1 top
    turned: bool


# A sheet's four pages in reading order: front cover, the inside pair, back cover.
LEFT_TO_RIGHT = (Slot(1, 0, False), Slot(1, 1, True), Slot(0, 1, True), Slot(0, 0, False))
RIGHT_TO_LEFT = (Slot(0, 0, False), Slot(0, 1, True), Slot(1, 1, True), Slot(1, 0, False))


def sheet_pages(pages: int) -> list[tuple[int, int, int, int]]:
    """Per sheet, outermost first, the card pages (0-based) in its four slots' reading order;
    numbers at or past ``pages`` are blank.

    >>> sheet_pages(4), sheet_pages(7)
    ([(0, 1, 2, 3)], [(0, 1, 6, 7), (2, 3, 4, 5)])
    """
    sheets = max(1, -(-pages // 4))
    total = 4 * sheets
    return [(2 * i, 2 * i + 1, total - 2 * i - 2, total - 2 * i - 1) for i in range(sheets)]


def impose(a6: bytes, *, rtl: bool = False) -> bytes:
    """The A6 card's pages (``a6``, a PDF) on A4 sheets, to print at actual size and fold."""
    from pypdf import PageObject, PdfReader, PdfWriter, Transformation

    source = PdfReader(io.BytesIO(a6)).pages
    width, height = float(source[0].mediabox.width), float(source[0].mediabox.height)
    # The fold lines are the sheet's middle lines; A4 is a little more than two A6 high, and
    # the spare millimetre is shared by the top and bottom edges.
    left, bottom = A4[0] / 2 - width, A4[1] / 2 - height
    slots = RIGHT_TO_LEFT if rtl else LEFT_TO_RIGHT
    writer = PdfWriter()
    for numbers in sheet_pages(len(source)):
        sheet = PageObject.create_blank_page(width=A4[0], height=A4[1])
        for slot, number in zip(slots, numbers, strict=True):
            if number >= len(source):
                continue
            x, y = left + slot.column * width, bottom + slot.row * height
            place = (
                Transformation().rotate(180).translate(x + width, y + height)
                if slot.turned
                else Transformation().translate(x, y)
            )
            sheet.merge_transformed_page(source[number], place)
        writer.add_page(sheet)
    out = io.BytesIO()
    writer.write(out)
    return out.getvalue()

"""The termbase exported for translation tools: TBX (Weblate, memoQ, Trados) and CSV."""

from __future__ import annotations

import csv
import io
from xml.sax.saxutils import escape, quoteattr

from equalcity.glossary.termbase import STATUSES, Glossary, terms_in
from equalcity.po.locales import parse_name

TBX_STATUS = {
    "preferred": "preferredTerm-admn-sts",
    "admitted": "admittedTerm-admn-sts",
    "forbidden": "deprecatedTerm-admn-sts",
}


def to_tbx(glossary: Glossary, language: str | None = None) -> str:
    """TBX-Basic (TBX v2 ``martif``), deterministic: concepts and languages in order.

    With ``language``, only English and that language, and only the concepts that have terms
    in it: the file a translator into that language loads into Lokalize, OmegaT or Weblate.
    """
    out = [
        '<?xml version="1.0" encoding="UTF-8"?>',
        '<!DOCTYPE martif SYSTEM "TBXBasiccoreStructV02.dtd">',
        '<martif type="TBX-Basic-V1" xml:lang="en">',
        "  <martifHeader>",
        "    <fileDesc>",
        "      <titleStmt><title>equalcity SGBV termbase</title></titleStmt>",
        f"      <sourceDesc><p>glossary version {escape(glossary.version)}</p></sourceDesc>",
        "    </fileDesc>",
        "  </martifHeader>",
        "  <text>",
        "    <body>",
    ]
    for concept in sorted(glossary.concepts, key=lambda c: c.id):
        languages = sorted(concept.terms)
        if language is not None:
            target = terms_in(concept, language)
            if target is None or "en" not in concept.terms:
                continue
            picked = {"en": concept.terms["en"], language: target}
            languages = sorted(picked)
        else:
            picked = concept.terms
        out.append(f"      <termEntry id={quoteattr(concept.id)}>")
        if concept.source:
            out.append(f'        <admin type="source">{escape(concept.source)}</admin>')
        if concept.note:
            out.append(f"        <note>{escape(concept.note)}</note>")
        for code in languages:
            terms = picked[code]
            out.append(f"        <langSet xml:lang={quoteattr(parse_name(code).bcp47)}>")
            if code == "en" and concept.definition:
                out.append(
                    f'          <descrip type="definition">{escape(concept.definition)}</descrip>'
                )
            for status in STATUSES:
                for term in terms.by_status(status):
                    out.append("          <tig>")
                    out.append(f"            <term>{escape(term)}</term>")
                    out.append(
                        '            <termNote type="administrativeStatus">'
                        f"{TBX_STATUS[status]}</termNote>"
                    )
                    out.append("          </tig>")
            out.append("        </langSet>")
        out.append("      </termEntry>")
    out += ["    </body>", "  </text>", "</martif>", ""]
    return "\n".join(out)


def to_csv(glossary: Glossary, language: str) -> str:
    """Weblate's glossary CSV for one target language: one row per concept.

    Columns are the ones translate-toolkit's CSV reader (which Weblate uses) knows: ``source``
    (the preferred English term), ``target`` (the preferred term), ``context`` (the concept id)
    and ``developer_comments`` (definition, admitted and forbidden terms, the note), which
    Weblate shows beside the term. Weblate's CSV has no flags, so a forbidden term is never a
    ``target`` here (Weblate would offer it as a translation); the TBX export carries it as a
    forbidden term. Every field is quoted, so the CSV sniffer cannot mistake a space for the
    delimiter.
    """
    buffer = io.StringIO()
    writer = csv.writer(buffer, lineterminator="\n", quoting=csv.QUOTE_ALL)
    writer.writerow(["source", "target", "context", "developer_comments"])
    for concept in sorted(glossary.concepts, key=lambda c: c.id):
        english = concept.terms.get("en")
        target = terms_in(concept, language)
        if english is None or target is None or not english.preferred or not target.preferred:
            continue
        about = [concept.definition.strip()] if concept.definition else []
        if target.admitted:
            about.append("Also acceptable: " + ", ".join(target.admitted) + ".")
        if target.forbidden:
            about.append("Never use: " + ", ".join(target.forbidden) + ".")
        if concept.note:
            about.append(concept.note.strip())
        writer.writerow([english.preferred[0], target.preferred[0], concept.id, " ".join(about)])
    return buffer.getvalue()

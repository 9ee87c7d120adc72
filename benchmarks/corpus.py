"""Generate a content repository at benchmark scale.

40 languages × 12 documents × 600 entries of prose with inline Markdown. The sources exist in two
versions: translations were made against version 1; version 2 edits about 10 % of the source
paragraphs (rewordings, insertions, deletions). The repository holds version 2's sources and
templates and version 1's translations, i.e. the moment just before ``update``. About 4 % of the
translations are fuzzy already, half of them with a ``#|`` previous msgid and half without (as
a translator or an older tool leaves them). Language folders are named as gettext and Weblate
name them, including ``zh_CN``, ``zh_TW`` and ``sr@latin``.

    python -m benchmarks.corpus OUT_DIR [--languages 40 --documents 12 --entries 600]
"""

from __future__ import annotations

import argparse
import random
import shutil
from pathlib import Path

from equalcity.content.templates import build_template
from equalcity.po.catalog import Catalog, Message, write_po_files
from equalcity.translation.update import po_header

LANGUAGES = [
    "fr",
    "de",
    "pt",
    "ar",
    "es",
    "it",
    "nl",
    "pl",
    "ro",
    "bg",
    "el",
    "cs",
    "zh_CN",
    "zh_TW",
    "hr",
    "hu",
    "sv",
    "da",
    "fi",
    "et",
    "lv",
    "lt",
    "mt",
    "ga",
    "tr",
    "ru",
    "uk",
    "fa",
    "ti",
    "am",
    "so",
    "sw",
    "ur",
    "ps",
    "ku",
    "sq",
    "sr",
    "sr@latin",
    "ja",
    "ko",
]

WORDS = [
    "survivor",
    "safety",
    "plan",
    "helpline",
    "interpreter",
    "referral",
    "consent",
    "confidential",
    "support",
    "shelter",
    "residence",
    "permit",
    "protection",
    "order",
    "trafficking",
    "exploitation",
    "forced",
    "marriage",
    "risk",
    "assessment",
    "frontline",
    "worker",
    "trust",
    "violence",
    "control",
    "family",
    "children",
    "rights",
    "legal",
    "advice",
    "health",
    "care",
    "asylum",
    "reception",
    "centre",
    "community",
    "language",
    "trauma",
    "respect",
    "dignity",
    "information",
    "service",
    "police",
    "court",
    "evidence",
    "documentation",
    "emergency",
    "network",
    "counselling",
    "accompaniment",
]

SCRIPTS = {
    "ar": "ابتثجحخدذرزسشصضطظعغفقكلمنهوي",
    "fa": "ابپتثجچحخدذرزژسشصضطظعغفقکگلمنوهی",
    "ur": "ابپتٹثجچحخدڈذرڑزژسشصضطظعغفقکگلمنوہی",
    "ps": "ابپتټثجځچحخدډذرړزژښسشصضطظعغفقکګلمنڼوهی",
    "ku": "ئابپتجچحخدرڕزژسشعغفڤقکگلڵمنوۆهەیێ",
    "ru": "абвгдежзийклмнопрстуфхцчшщыэюя",
    "uk": "абвгґдеєжзиіїйклмнопрстуфхцчшщьюя",
    "bg": "абвгдежзийклмнопрстуфхцчшщъьюя",
    "sr": "абвгдђежзијклљмнњопрстћуфхцчџш",
    "el": "αβγδεζηθικλμνξοπρστυφχψω",
    "am": "ሀለሐመሠረሰሸቀበተቸነኘአከኸወዐዘዠየደጀገጠጨጰጸፀፈፐ",
    "ti": "ሀለሐመረሰሸቀበተቸነአከወዐዘየደጀገጠጨጸፈ",
    "ja": "あいうえおかきくけこさしすせそたちつてとなにぬねの安全支援通訳相談",
    "ko": "가나다라마바사아자차카타파하안전지원통역상담",
    "zh_CN": "安全计划支持热线翻译转介同意保密庇护所居留许可保护令贩运剥削强迫婚姻风险评估",
    "zh_TW": "安全計劃支持熱線翻譯轉介同意保密庇護所居留許可保護令販運剝削強迫婚姻風險評估",
    "sr@latin": "abcčćdđefghijklmnoprsštuvzž",
}
LATIN = "abcdefghijklmnopqrstuvwxyzéèàçãõüöäßøåłńśźżčšžőű"


def sentence(rng: random.Random, low: int = 8, high: int = 45) -> str:
    words = [rng.choice(WORDS) for _ in range(rng.randint(low, high))]
    for _ in range(rng.randint(0, 2)):
        i = rng.randrange(len(words))
        style = rng.choice(["bold", "em", "link", "code", "contact"])
        if style == "bold":
            words[i] = f"**{words[i]}**"
        elif style == "em":
            words[i] = f"*{words[i]}*"
        elif style == "link":
            words[i] = f"[{words[i]}](https://example.org/{words[i]}/{rng.randint(1, 99)})"
        elif style == "code":
            words[i] = f"`{words[i]}`"
        else:
            words[i] = "{{contact:national-vaw-helpline}}"
    return words[0].capitalize() + " " + " ".join(words[1:]) + "."


def document(rng: random.Random, entries: int, doc: int) -> list[str]:
    """Blocks (one entry each): headings, paragraphs and list items."""
    blocks = []
    for index in range(entries):
        kind = rng.random()
        if kind < 0.08:
            blocks.append(f"## Section {doc}.{index} {rng.choice(WORDS)} {rng.choice(WORDS)}")
        elif kind < 0.3:
            blocks.append(f"- {sentence(rng, 5, 20)} ({doc}.{index})")
        else:
            blocks.append(f"{sentence(rng)} ({doc}.{index})")
    return blocks


def edit(rng: random.Random, blocks: list[str], share: float) -> list[str]:
    """About ``share`` of the blocks edited: 60 % reworded, 20 % inserted, 20 % deleted."""
    out = []
    for block in blocks:
        roll = rng.random()
        if roll < share * 0.6:
            words = block.split(" ")
            for _ in range(rng.randint(1, 3)):
                i = rng.randrange(1, len(words)) if len(words) > 1 else 0
                words[i] = rng.choice(WORDS)
            out.append(" ".join(words))
        elif roll < share * 0.8:
            out.append(block)
            out.append(f"{sentence(rng)} (new {rng.randint(0, 10**6)})")
        elif roll < share:
            continue
        else:
            out.append(block)
    return out


def pseudo_translate(msgid: str, language: str, rng: random.Random) -> str:
    """Same markup, other words, in the language's script (exercises wrapping and widths)."""
    alphabet = SCRIPTS.get(language, LATIN)
    out = []
    for token in msgid.split(" "):
        if any(mark in token for mark in "*[`{(#-"):
            out.append(token)
        else:
            out.append("".join(rng.choice(alphabet) for _ in range(max(2, len(token)))))
    return " ".join(out)


def text_of(blocks: list[str], title: str) -> str:
    return f'---\ntitle: "{title}"\n---\n\n' + "\n\n".join(blocks) + "\n"


def generate(
    out: Path, languages: int = 40, documents: int = 12, entries: int = 600, seed: int = 1
) -> None:
    rng = random.Random(seed)
    if out.exists():
        shutil.rmtree(out)
    docs = [(f"{m:02d}-module", name) for m in range(1, 5) for name in ("a", "b", "c")]
    docs = (docs * ((documents + len(docs) - 1) // len(docs)))[:documents]
    docs = [(module, f"{name}{i}") for i, (module, name) in enumerate(docs)]
    outputs = []
    for index, (module, name) in enumerate(docs):
        v1 = document(rng, entries - 1, index)
        v2 = edit(rng, v1, 0.10)
        source = out / "source" / module / f"{name}.md"
        source.parent.mkdir(parents=True, exist_ok=True)
        source.write_text(text_of(v2, f"Document {index}"), encoding="utf-8")
        rel = f"source/{module}/{name}.md"
        old_template = build_template(text_of(v1, f"Document {index}"), rel)
        new_template = build_template(text_of(v2, f"Document {index}"), rel)
        outputs.append((out / "locales/templates" / module / f"{name}.pot", new_template, rel))
        for language in LANGUAGES[:languages]:
            catalog = Catalog(header=po_header(language, rel, _FIXED))
            lang_rng = random.Random(f"{seed}-{language}-{index}")
            coverage = 0.8 + 0.2 * lang_rng.random()
            for message in old_template.messages:
                translated = lang_rng.random() < coverage
                entry = Message(
                    message.msgid,
                    pseudo_translate(message.msgid, language, lang_rng) if translated else "",
                    auto_comments=list(message.auto_comments),
                    locations=list(message.locations),
                )
                if translated and lang_rng.random() < 0.04:
                    entry.fuzzy = True
                    if lang_rng.random() < 0.5:
                        words = message.msgid.split(" ")
                        words[lang_rng.randrange(len(words))] = lang_rng.choice(WORDS)
                        entry.previous_msgid = " ".join(words)
                catalog.messages.append(entry)
            path = out / "locales" / language / module / f"{name}.po"
            outputs.append((path, catalog, str(path)))
    write_po_files(outputs)


_FIXED = __import__("datetime").datetime(2026, 1, 1, tzinfo=__import__("datetime").UTC)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("out", type=Path)
    parser.add_argument("--languages", type=int, default=40)
    parser.add_argument("--documents", type=int, default=12)
    parser.add_argument("--entries", type=int, default=600)
    args = parser.parse_args()
    generate(args.out, args.languages, args.documents, args.entries)


if __name__ == "__main__":
    main()

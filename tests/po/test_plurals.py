"""Plural-Forms by meaning: the safe parser, equivalence, the known rules, the migration."""

from __future__ import annotations

import subprocess
from pathlib import Path

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from equalcity.errors import EqualcityError
from equalcity.po.catalog import read_po
from equalcity.po.plurals import PluralError, matching_rule, parse, plural_problem, reorder
from tests.conftest import Cli

# -- random rules, rendered in C syntax, with an independent evaluator as oracle -------------

Tree = tuple[object, ...]
_COMPARE = ("==", "!=", "<", ">", "<=", ">=")


def _trees() -> st.SearchStrategy[Tree]:
    leaves = st.one_of(
        st.just(("n",)),
        st.builds(lambda k: ("num", k), st.integers(0, 120)),
        st.builds(lambda m: ("%", ("n",), ("num", m)), st.sampled_from([10, 100, 1000, 1000000])),
    )
    conditions = st.builds(lambda op, a, b: (op, a, b), st.sampled_from(_COMPARE), leaves, leaves)
    conditions = st.recursive(
        conditions,
        lambda inner: st.builds(
            lambda op, a, b: (op, a, b), st.sampled_from(("&&", "||")), inner, inner
        ),
        max_leaves=4,
    )
    return st.recursive(
        st.builds(lambda k: ("num", k), st.integers(0, 3)),
        lambda inner: st.builds(lambda c, a, b: ("?", c, a, b), conditions, inner, inner),
        max_leaves=5,
    )


def _c(tree: Tree) -> str:
    kind = tree[0]
    if kind == "num":
        return str(tree[1])
    if kind == "n":
        return "n"
    if kind == "?":
        return f"({_c(tree[1])}) ? ({_c(tree[2])}) : ({_c(tree[3])})"  # type: ignore[arg-type]
    return f"({_c(tree[1])} {kind} {_c(tree[2])})"  # type: ignore[arg-type]


def _rewritten(tree: Tree) -> str:
    """Another spelling of the same rule: negated conditions with swapped branches, mirrored
    comparisons, no redundant parentheses where C's precedence makes them unnecessary."""
    kind = tree[0]
    if kind == "?":
        condition, yes, no = tree[1], tree[2], tree[3]
        return f"!({_rewritten(condition)}) ? {_rewritten(no)} : {_rewritten(yes)}"  # type: ignore[arg-type]
    if kind in ("==", "!="):
        return f"({_rewritten(tree[2])} {kind} {_rewritten(tree[1])})"  # type: ignore[arg-type]
    if kind in ("<", ">", "<=", ">="):
        mirror = {"<": ">", ">": "<", "<=": ">=", ">=": "<="}[str(kind)]
        return f"({_rewritten(tree[2])} {mirror} {_rewritten(tree[1])})"  # type: ignore[arg-type]
    return _c(tree)


def _oracle(tree: Tree, n: int) -> int:
    kind = tree[0]
    if kind == "num":
        return int(tree[1])  # type: ignore[call-overload]
    if kind == "n":
        return n
    if kind == "?":
        return _oracle(tree[2] if _oracle(tree[1], n) else tree[3], n)  # type: ignore[arg-type]
    a, b = _oracle(tree[1], n), _oracle(tree[2], n)  # type: ignore[arg-type]
    table = {
        "==": a == b, "!=": a != b, "<": a < b, ">": a > b, "<=": a <= b, ">=": a >= b,
        "&&": bool(a) and bool(b), "||": bool(a) or bool(b), "%": a % b if b else 0,
    }  # fmt: skip
    return int(table[str(kind)])


def _header(expression: str) -> str:
    return f"nplurals=4; plural={expression};"


@settings(max_examples=30, deadline=None)
@given(_trees())
def test_an_equivalent_spelling_is_the_same_rule(tree: Tree) -> None:
    original, other = parse(_header(_c(tree))), parse(_header(_rewritten(tree)))
    assert all(original(n) == _oracle(tree, n) for n in range(0, 2000, 7))
    assert original.same_as(other)


@settings(max_examples=30, deadline=None)
@given(_trees(), _trees())
def test_rules_that_differ_for_some_n_are_refused(a: Tree, b: Tree) -> None:
    differs = any(_oracle(a, n) != _oracle(b, n) for n in range(0, 1200))
    if differs:
        assert not parse(_header(_c(a))).same_as(parse(_header(_c(b))))


def test_a_difference_beyond_a_thousand_is_found() -> None:
    # French per CLDR 48 differs from gettext's rule only at multiples of a million.
    cldr = parse("nplurals=3; plural=(n == 0 || n == 1) ? 0 : n != 0 && n % 1000000 == 0 ? 1 : 2;")
    three_forms = parse("nplurals=3; plural=n > 1 ? 2 : 0;")
    assert not cldr.same_as(three_forms)
    late = parse("nplurals=2; plural=n != 1 && n != 999999;")
    assert not late.same_as(parse("nplurals=2; plural=n != 1;"))


@pytest.mark.parametrize(
    ("language", "value"),
    [
        ("de", "nplurals=2; plural=n != 1;"),  # Weblate's spelling
        ("de", "nplurals=2; plural=(n != 1);"),  # msginit's
        ("de", "nplurals=2; plural=n == 1 ? 0 : 1;"),
        ("fr", "nplurals=2; plural=(n > 1);"),  # gettext
        ("fr", "nplurals=3; plural=(n == 0 || n == 1) ? 0 : n != 0 && n % 1000000 == 0 ? 1 : 2;"),
        ("pt", "nplurals=2; plural=(n != 1);"),  # gettext (Portugal)
        ("pt", "nplurals=2; plural=n > 1;"),  # CLDR (Babel ≤ 2.18)
        ("ar", "nplurals=6; plural=n==0 ? 0 : n==1 ? 1 : n==2 ? 2 : n%100>=3 && n%100<=10 ? 3 : "
         "n%100>=11 ? 4 : 5;"),
        ("zh_CN", "nplurals=1; plural=0;"),
        ("sr@latin", "nplurals=3; plural=(n%10==1 && n%100!=11 ? 0 : n%10>=2 && n%10<=4 && "
         "(n%100<10 || n%100>=20) ? 1 : 2);"),
    ],
)  # fmt: skip
def test_known_rules_are_accepted_in_any_spelling(language: str, value: str) -> None:
    assert plural_problem(language, value) is None


@pytest.mark.parametrize(
    ("language", "value", "says"),
    [
        ("de", "nplurals=2; plural=n > 1;", "does not mean the same as German's rule"),
        ("fr", "nplurals=2; plural=n != 1;", "does not mean the same"),
        ("ar", "nplurals=6; plural=(n==0 ? 0 : n==1 ? 1 : n==2 ? 2 : n%100>=3 && n%100<=10 ? 3 : "
         "n%100>=0 && n%100<=2 ? 4 : 5);", "does not mean the same"),
        ("de", "nplurals=2; plural=n / 0;", "divides by zero"),
        ("de", "nplurals=2; plural=n;", "plural form 2 for n=2"),
        ("de", "nplurals=2; plural=__import__('os').system('true');", "unexpected '_'"),
        ("de", "nplurals=2; plural=(n != 1;", "'(' without ')'"),
        ("de", "nplurals=2; plural=n ? 1;", "'?' without ':'"),
        ("de", "plural=n != 1;", "not of the form"),
        ("de", "nplurals=0; plural=0;", "not between 1 and 10"),
    ],
)  # fmt: skip
def test_wrong_or_malformed_rules_are_refused(language: str, value: str, says: str) -> None:
    problem = plural_problem(language, value)
    assert problem is not None and says in problem


def test_a_header_never_runs_code() -> None:
    for value in ("n.__class__", "n if 1 else 0", "lambda: 0", "1e3", "n ** 2", "[n]", "n; 1"):
        with pytest.raises(PluralError):
            parse(f"nplurals=2; plural={value};")


def test_reorder_is_refused_when_the_groups_differ() -> None:
    two = parse("nplurals=2; plural=n != 1;")
    assert reorder(two, parse("nplurals=2; plural=n > 1;")) is None  # 0 moves groups
    assert reorder(two, parse("nplurals=3; plural=n == 0 ? 0 : n == 1 ? 1 : 2;")) is None
    assert matching_rule("de", two) is not None


# -- the migration, through `equalcity update`, on real plural entries ------------------------

_OLD_AR = (
    "nplurals=6; plural=(n==0 ? 0 : n==1 ? 1 : n==2 ? 2 : n%100>=3 && n%100<=10 ? 3 : "
    "n%100>=0 && n%100<=2 ? 4 : 5);"
)
_FORMS = ["صفر", "واحد", "اثنان", "قليل (3–10)", "مئة وما يشبهها", "كثير (11–99)"]


def _plural_repo(repo: Path, cli: Cli, header: str, forms: list[str]) -> Path:
    cli("extract")
    cli("init", "ar")
    po = repo / "locales" / "ar" / "01-test" / "module.po"
    text = po.read_text(encoding="utf-8")
    start = text.index('"Plural-Forms:')
    end = text.index('"X-Source')
    text = text[:start] + f'"Plural-Forms: {header}\\n"\n' + text[end:]
    strings = "".join(f'msgstr[{i}] "{form}"\n' for i, form in enumerate(forms))
    # An entry the template does not have becomes obsolete: it must move as well.
    text += f'\nmsgid "{{n}} day"\nmsgid_plural "{{n}} days"\n{strings}'
    po.write_text(text, encoding="utf-8")
    return po


def test_update_moves_plural_translations_to_the_new_rule(repo: Path, cli: Cli) -> None:
    # Written under Babel's old Arabic table: form 4 meant 102, form 5 meant 11.
    po = _plural_repo(repo, cli, _OLD_AR, _FORMS)
    old = parse(_OLD_AR)
    meaning = {n: _FORMS[old(n)] for n in (0, 1, 2, 5, 11, 102, 111, 1000)}
    assert "po-header" in cli("check", str(po), code=1).output
    cli("update", "--locale", "ar")
    catalog = read_po(po, "module.po")
    fields = catalog.header_fields()
    new = parse(fields["Plural-Forms"])
    assert plural_problem("ar", fields["Plural-Forms"]) is None
    (message,) = [m for m in catalog.messages if m.msgid_plural]
    assert message.obsolete
    assert {n: message.msgstr_plural[new(n)] for n in meaning} == meaning
    assert message.msgstr_plural[4] == "كثير (11–99)" and message.msgstr_plural[5] == _FORMS[4]
    subprocess.run(["msgfmt", "--check", "-o", "/dev/null", str(po)], check=True)
    assert cli("check", str(po)).output == "no findings\n"


def test_update_refuses_a_migration_that_would_lose_a_form(repo: Path, cli: Cli) -> None:
    po = _plural_repo(repo, cli, "nplurals=6; plural=(n==0 ? 0 : n==1 ? 1 : 5);", _FORMS)
    before = po.read_bytes()
    result = cli("update", "--locale", "ar", code=2)
    assert "cannot be changed" in result.output and "module.po:" in result.output
    assert po.read_bytes() == before


def test_the_vendored_view_matches_weblate_language_data() -> None:
    from weblate_language_data.languages import LANGUAGES

    from equalcity.po.plurals import known_rules

    for code, _name, nplurals, formula in LANGUAGES:
        if code in ("fr", "de", "pt", "ar", "sr_Latn", "zh_Hans", "ti", "fa", "uk"):
            rules = known_rules(code)
            assert any(
                r.rule.same_as(parse(f"nplurals={nplurals}; plural={formula};")) for r in rules
            )


def test_error_type() -> None:
    assert issubclass(PluralError, EqualcityError)

"""Plural-Forms by meaning: a safe parser for gettext's C expressions, the known rules of each
language, and the migration of plural translations from one rule to another.

Two ``Plural-Forms`` headers are the same rule when they give every ``n`` the same form index:
``nplurals=2; plural=n != 1;`` (Weblate), ``plural=(n != 1);`` (msginit) and
``plural=n == 1 ? 0 : 1;`` are one rule. A header is accepted when its rule equals one of the
rules known for the language: gettext's (what msginit and Poedit write) or CLDR's, both from
Weblate's language data (``weblate-language-data``), so a Babel upgrade that moves to newer CLDR
data never turns an unchanged file red.

The expression is tokenised and parsed here into a small tree of known operators; only that
tree is turned into Python code (integer literals, ``n`` and operators, nothing from the header
verbatim), so a header can never run code. Evaluation follows C on ``unsigned long``: ``/`` and
``%`` are integer operations, comparisons give 0 or 1, division by zero is an error.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from functools import cache

from equalcity.errors import EqualcityError

#: n = 0 … 1,000,000 and a few large values: every gettext rule repeats well within this range.
CHECKED_RANGE = 1_000_001
LARGE_N = (1_000_001_000, 2_000_000_000, 2**31 - 1, 2**32 - 1, 10**12, 10**12 + 1, 10**12 + 11)
_MAX_TOKENS = 400
_ULONG = 2**64

_TOKEN = re.compile(r"\s*(?:(\d+)|(n)|(\|\||&&|==|!=|<=|>=|[-+*/%<>!?:()]))")
_PREFIX = re.compile(r"\s*nplurals\s*=\s*(\d+)\s*;\s*plural\s*=\s*(.+?)\s*;?\s*$", re.DOTALL)

# Binary operators by precedence, loosest first (C's order).
_BINARY: tuple[tuple[str, ...], ...] = (
    ("||",),
    ("&&",),
    ("==", "!="),
    ("<", ">", "<=", ">="),
    ("+", "-"),
    ("*", "/", "%"),
)
_PY = {"||": "or", "&&": "and", "/": "//"}

Node = tuple[object, ...]  # ("num", int) | ("n",) | ("not", Node) | (op, Node, Node) | ("?", …)


class PluralError(EqualcityError):
    """A Plural-Forms header that is not a well-formed gettext rule."""


@dataclass(frozen=True)
class PluralRule:
    """A parsed ``Plural-Forms`` rule."""

    nplurals: int
    expression: str
    tree: Node

    @property
    def header(self) -> str:
        return f"nplurals={self.nplurals}; plural={self.expression};"

    def __call__(self, n: int) -> int:
        return _compiled(self.tree)(n)

    def mapping(self) -> tuple[int, ...]:
        """The form index of n = 0 … 1,000,000 and of the large values, checked in range."""
        return _mapping(self.tree, self.nplurals)

    def same_as(self, other: PluralRule) -> bool:
        """Whether both rules give every n the same form (cheap sample first, then the range)."""
        if self.nplurals != other.nplurals:
            return False
        if self.tree == other.tree:
            return True
        sample = range(0, 2000)
        if any(self(n) != other(n) for n in sample):
            return False
        return self.mapping() == other.mapping()


def parse(header_value: str) -> PluralRule:
    """Parse ``nplurals=N; plural=EXPR;`` (the value of a ``Plural-Forms`` header).

    >>> parse("nplurals=2; plural=n != 1;")(1), parse("nplurals=2; plural=(n != 1);")(5)
    (0, 1)
    >>> parse("nplurals=2; plural=__import__('os');")  # doctest: +ELLIPSIS
    Traceback (most recent call last):
    ...
    equalcity.po.plurals.PluralError: Plural-Forms: unexpected '_' in the plural expression ...
    """
    match = _PREFIX.match(header_value)
    if not match:
        raise PluralError(
            f"Plural-Forms {header_value!r} is not of the form 'nplurals=N; plural=EXPRESSION;'"
        )
    nplurals = int(match.group(1))
    if not 1 <= nplurals <= 10:
        raise PluralError(f"Plural-Forms: nplurals={nplurals} is not between 1 and 10")
    expression = match.group(2).strip()
    tree = _Parser(expression).parse()
    return PluralRule(nplurals, expression, tree)


class _Parser:
    def __init__(self, text: str) -> None:
        self.text = text
        self.tokens: list[tuple[str, str]] = []
        position = 0
        while position < len(text):
            if text[position:].strip() == "":
                break
            match = _TOKEN.match(text, position)
            if not match:
                rest = text[position:].lstrip()
                raise PluralError(
                    f"Plural-Forms: unexpected {rest[:1]!r} in the plural expression {text!r}; "
                    "only n, whole numbers, ( ), ?: and C's arithmetic, comparison and "
                    "logical operators are allowed"
                )
            number, variable, operator = match.groups()
            if number is not None:
                self.tokens.append(("num", number))
            elif variable is not None:
                self.tokens.append(("n", variable))
            else:
                self.tokens.append(("op", operator))
            position = match.end()
        if len(self.tokens) > _MAX_TOKENS:
            raise PluralError(f"Plural-Forms: the plural expression is too long ({text[:40]!r}…)")
        self.index = 0

    def parse(self) -> Node:
        if not self.tokens:
            raise PluralError("Plural-Forms: the plural expression is empty")
        tree = self._ternary()
        if self.index != len(self.tokens):
            self._fail(f"unexpected {self.tokens[self.index][1]!r}")
        return tree

    def _fail(self, what: str) -> None:
        raise PluralError(f"Plural-Forms: {what} in the plural expression {self.text!r}")

    def _peek(self) -> str | None:
        if self.index < len(self.tokens) and self.tokens[self.index][0] == "op":
            return self.tokens[self.index][1]
        return None

    def _ternary(self) -> Node:
        condition = self._binary(0)
        if self._peek() != "?":
            return condition
        self.index += 1
        yes = self._ternary()
        if self._peek() != ":":
            self._fail("'?' without ':'")
        self.index += 1
        no = self._ternary()
        return ("?", condition, yes, no)

    def _binary(self, level: int) -> Node:
        if level == len(_BINARY):
            return self._unary()
        left = self._binary(level + 1)
        while (op := self._peek()) in _BINARY[level]:
            self.index += 1
            left = (op, left, self._binary(level + 1))
        return left

    def _unary(self) -> Node:
        if self.index >= len(self.tokens):
            self._fail("the expression ends too early")
        kind, value = self.tokens[self.index]
        self.index += 1
        if kind == "num":
            return ("num", int(value))
        if kind == "n":
            return ("n",)
        if value == "!":
            return ("not", self._unary())
        if value == "(":
            inner = self._ternary()
            if self._peek() != ")":
                self._fail("'(' without ')'")
            self.index += 1
            return inner
        self._fail(f"unexpected {value!r}")
        raise AssertionError  # unreachable: _fail raises


def _python(node: Node) -> str:
    """Python source for a parsed tree: integer literals, ``n`` and operators only."""
    kind = node[0]
    if kind == "num":
        return str(int(node[1]))  # type: ignore[call-overload]
    if kind == "n":
        return "n"
    if kind == "not":
        return f"(0 if {_python(node[1])} else 1)"  # type: ignore[arg-type]
    if kind == "?":
        condition, yes, no = (_python(part) for part in node[1:])  # type: ignore[arg-type]
        return f"({yes} if {condition} else {no})"
    left, right = _python(node[1]), _python(node[2])  # type: ignore[arg-type]
    op = str(kind)
    if op in ("||", "&&"):
        return f"(1 if ({left} {_PY[op]} {right}) else 0)"
    if op in ("==", "!=", "<", ">", "<=", ">="):
        return f"(1 if {left} {op} {right} else 0)"
    if op == "-":
        return f"(({left} - {right}) % {_ULONG})"  # unsigned long wraps around
    if op in ("/", "%"):
        return f"({left} {_PY.get(op, op)} {right})"
    return f"(({left} {op} {right}) % {_ULONG})"


@cache
def _compiled(tree: Node) -> Callable[[int], int]:
    # The source is generated from the parsed tree above, never taken from the header.
    code = compile(f"lambda n: {_python(tree)}", "<plural>", "eval")
    function: Callable[[int], int] = eval(code, {"__builtins__": {}})
    return function


@cache
def _mapping(tree: Node, nplurals: int) -> tuple[int, ...]:
    function = _compiled(tree)
    values: list[int] = []
    try:
        values = [function(n) for n in range(CHECKED_RANGE)]
        values += [function(n) for n in LARGE_N]
    except ZeroDivisionError:
        n = len(values)
        raise PluralError(
            f"Plural-Forms: the plural expression divides by zero for n={n}"
        ) from None
    bad = next((i for i, v in enumerate(values) if not 0 <= v < nplurals), None)
    if bad is not None:
        n = bad if bad < CHECKED_RANGE else LARGE_N[bad - CHECKED_RANGE]
        raise PluralError(
            f"Plural-Forms: plural form {values[bad]} for n={n}, "
            f"but nplurals={nplurals} allows 0 to {nplurals - 1}"
        )
    return tuple(values)


# -- the known rules of each language ---------------------------------------------------------


@dataclass(frozen=True)
class KnownRule:
    source: str  # "gettext" (msginit, Poedit, Qt) or "CLDR" or "Weblate"
    rule: PluralRule


def _language_keys(code: str) -> list[str]:
    """Weblate's codes to look a gettext language name up under, most specific first.

    >>> _language_keys("sr_RS@latin")
    ['sr_RS@latin', 'sr_Latn_RS', 'sr_Latn', 'sr_RS', 'sr']
    >>> _language_keys("zh_TW")
    ['zh_TW', 'zh', 'zh_Hant']
    """
    base, _, modifier = code.replace("-", "_").partition("@")
    parts = base.split("_")
    language = parts[0]
    keys = [code]
    script = {"latin": "Latn", "cyrillic": "Cyrl"}.get(modifier.lower(), "")
    if script:
        keys += [f"{language}_{script}_{p}" for p in parts[1:]] + [f"{language}_{script}"]
    keys += ["_".join(parts[: i + 1]) for i in range(len(parts) - 1, -1, -1)]
    # Babel knows a territory's usual script (zh_CN: Hans, zh_TW: Hant), Weblate lists scripts.
    try:
        from babel import Locale

        likely = Locale.parse(base, sep="_")
    except (ValueError, TypeError, LookupError):
        likely = None
    if not script and likely is not None and likely.script:
        keys += [f"{likely.language}_{likely.script}", likely.language]
    return list(dict.fromkeys(k for k in keys if k))


@cache
def _tables() -> dict[str, list[tuple[str, int, str]]]:
    from weblate_language_data.languages import LANGUAGES
    from weblate_language_data.plurals import CLDRPLURALS, EXTRAPLURALS, QTPLURALS

    table: dict[str, list[tuple[str, int, str]]] = {}
    # gettext's own rules first: they are what `init` writes (msginit and Poedit agree).
    for source, rows in (
        ("gettext", QTPLURALS),
        ("Weblate", LANGUAGES),
        ("CLDR", CLDRPLURALS),
        ("gettext", EXTRAPLURALS),
    ):
        for code, _name, nplurals, formula in rows:
            table.setdefault(code, []).append((source, nplurals, formula))
    return table


@cache
def known_rules(code: str) -> tuple[KnownRule, ...]:
    """The rules known for a language (gettext's first); empty for a language nobody lists."""
    table = _tables()
    for key in _language_keys(code):
        if key in table:
            return tuple(
                KnownRule(source, parse(f"nplurals={nplurals}; plural={formula};"))
                for source, nplurals, formula in table[key]
            )
    return ()


def default_header(code: str) -> str | None:
    """The Plural-Forms value ``init`` writes: gettext's rule, as msginit writes it.

    >>> default_header("fr"), default_header("pt"), default_header("de")
    ('nplurals=2; plural=(n > 1);', 'nplurals=2; plural=(n != 1);', 'nplurals=2; plural=(n != 1);')
    """
    rules = known_rules(code)
    if not rules:
        return None
    rule = rules[0].rule
    expression = rule.expression
    simple = re.fullmatch(r"\s*(\d+|n)\s*", expression) is not None
    if not simple and not (
        expression.startswith("(") and expression.endswith(")") and _balanced(expression)
    ):
        expression = f"({expression})"
    return f"nplurals={rule.nplurals}; plural={expression};"


def _balanced(expression: str) -> bool:
    """Whether the outer parentheses enclose the whole expression."""
    depth = 0
    for i, ch in enumerate(expression):
        depth += ch == "("
        depth -= ch == ")"
        if depth == 0 and i < len(expression) - 1:
            return False
    return depth == 0


def matching_rule(code: str, rule: PluralRule) -> KnownRule | None:
    """The known rule of the language that ``rule`` equals by meaning, if any."""
    return next((known for known in known_rules(code) if rule.same_as(known.rule)), None)


def plural_problem(code: str, header_value: str) -> str | None:
    """Why a ``Plural-Forms`` value is wrong for the language, or None when it is right.

    >>> plural_problem("de", "nplurals=2; plural=n != 1;") is None
    True
    >>> print(plural_problem("de", "nplurals=2; plural=n > 1;"))  # doctest: +NORMALIZE_WHITESPACE
    Plural-Forms 'nplurals=2; plural=n > 1;' does not mean the same as German's rule
    'nplurals=2; plural=(n != 1);'
    """
    try:
        rule = parse(header_value)
        rule.mapping()
    except PluralError as exc:
        return exc.message
    known = known_rules(code)
    if not known or matching_rule(code, rule):
        return None
    from equalcity.po.locales import english_name

    try:
        name = english_name(code)
    except EqualcityError:
        name = code
    return (
        f"Plural-Forms {header_value!r} does not mean the same as {name}'s rule "
        f"{default_header(code)!r}"
    )


# -- migration ------------------------------------------------------------------------------


def reorder(old: PluralRule, new: PluralRule) -> list[int] | None:
    """For each form index of ``new``, the index of ``old`` that covers the same numbers.

    ``None`` when no such one-to-one correspondence exists (different categories), so moving
    the translations would lose or invent one.

    >>> reorder(parse("nplurals=2; plural=n == 1 ? 1 : 0;"), parse("nplurals=2; plural=n != 1;"))
    [1, 0]
    """
    if old.nplurals != new.nplurals:
        return None
    old_map, new_map = old.mapping(), new.mapping()
    order: dict[int, int] = {}
    for a, b in zip(old_map, new_map, strict=True):
        if order.setdefault(b, a) != a:
            return None
    if sorted(order.values()) != list(range(new.nplurals)) or len(order) != new.nplurals:
        return None
    return [order[i] for i in range(new.nplurals)]


def migrate_strings(strings: Sequence[str], order: Sequence[int]) -> list[str]:
    """Translations ``msgstr[i]`` moved to the indices of the new rule."""
    return [strings[i] if i < len(strings) else "" for i in order]

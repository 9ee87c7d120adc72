"""The register of fictional names (``workflows/fictional-names.txt``).

Every testimony and case in the toolbox is a fictional composite. A line ``Name`` allows a name
(or a proper noun that identifies no one); a line ``Name: age, module`` (``Name: module`` when
her age is never told) also says who she is, so that one name stays one person across the whole
toolbox: a reader who met "Rosa, 41" in one module must not meet a different Rosa in another.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field

from equalcity.errors import EqualcityError

_PERSON = re.compile(
    r"^(?P<name>[^\W\d_][\w'’-]*)\s*:\s*"
    r"(?:(?P<age>\d{1,3})\s*(?:,\s*(?P<module>[\w.-]+))?|(?P<only>[A-Za-z\d][\w.-]*))\s*$"
)
_NAME = re.compile(r"^[^\W\d_][\w'’-]*$")


@dataclass(frozen=True)
class Person:
    """A fictional person: her name, her age and the module her story belongs to."""

    name: str
    age: int | None
    module: str | None
    line: int


@dataclass(frozen=True)
class Names:
    """The allowed names, and the people among them whose identity is pinned."""

    allowed: frozenset[str] = frozenset()
    people: dict[str, Person] = field(default_factory=dict)


def read_names(text: str, path: str) -> Names:
    """Parse the register; a line that is neither form is an error at its line.

    >>> names = read_names("# people\\nEurope\\nRosa: 41, 02-domestic-violence\\n", "n.txt")
    >>> sorted(names.allowed), names.people["Rosa"].module
    (['Europe', 'Rosa'], '02-domestic-violence')
    """
    allowed: set[str] = set()
    people: dict[str, Person] = {}
    for number, raw in enumerate(text.splitlines(), start=1):
        line = raw.strip()
        if not line or line.startswith("#"):
            continue
        person = _PERSON.match(line)
        if person:
            name = person.group("name")
            if name in people:
                raise EqualcityError(
                    f"{name} is pinned twice (first at line {people[name].line}): one name, "
                    "one person; give the second person another name",
                    path=path,
                    line=number,
                )
            age = person.group("age")
            module = person.group("module") or person.group("only")
            people[name] = Person(name, int(age) if age else None, module, number)
            allowed.add(name)
        elif _NAME.match(line):
            allowed.add(line)
        else:
            raise EqualcityError(
                f"expected 'Name', 'Name: age, module' or 'Name: module', not {line!r}",
                path=path,
                line=number,
            )
    return Names(frozenset(allowed), people)

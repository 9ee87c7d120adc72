"""Translators and contact verifiers without git (issue 15): their roster roles, PO download and
upload on the hosted service (three-way merged, checked, signed with a ``Translator:`` trailer,
pushed), and contact checks recorded in service-signed commits that the release gate trusts."""

from __future__ import annotations

import pytest

from equalcity.errors import EqualcityError
from equalcity.review import parse_panel

ROLES = """
[[reviewer]]
id = "fr-tr-1"
email = "fr-tr-1@panel.example.org"
languages = ["fr"]
role = "translator"

[[reviewer]]
id = "lu-check-1"
email = "lu-check-1@panel.example.org"
countries = ["LU"]
role = "contact-verifier"
"""


def test_translators_and_verifiers_have_roles_of_their_own_and_never_review() -> None:
    panel = parse_panel(ROLES)
    translator, verifier = panel.reviewers
    assert translator.translates("fr", "01-test") and not translator.translates("de", "01-test")
    assert not translator.covers("fr", "01-test")  # never approves anything
    assert verifier.verifies("LU") and not verifier.verifies("BE") and not verifier.verifies("")
    assert not verifier.covers("fr", "01-test") and not verifier.translates("fr", "01-test")


@pytest.mark.parametrize(
    ("text", "line", "message"),
    [
        (ROLES.replace('countries = ["LU"]\n', ""), 9, "lists the countries"),
        (ROLES.replace('["LU"]', '["lu"]'), 9, "two-letter ISO codes"),
        (ROLES.replace('languages = ["fr"]', 'countries = ["FR"]'), 3, "only a contact verifier"),
        (ROLES.replace('languages = ["fr"]\n', ""), 3, "list the languages they translate"),
        (ROLES.replace('"translator"', '"typist"'), 3, "role must be one of"),
    ],
)
def test_bad_roles_are_one_located_error(text: str, line: int, message: str) -> None:
    with pytest.raises(EqualcityError) as raised:
        parse_panel(text)
    assert raised.value.line == line and message in str(raised.value), str(raised.value)

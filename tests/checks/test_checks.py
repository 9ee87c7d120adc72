"""The CI gate: every check fires on its known-bad case and stays silent on the good ones."""

from __future__ import annotations

import json
import shutil
import tomllib
from pathlib import Path

import pytest

from equalcity.checks import Finding, registry
from equalcity.checks.report import github_summary
from equalcity.checks.runner import CheckConfig, Target, check_target
from equalcity.content.names import read_names
from equalcity.glossary.termbase import load_folder
from tests.conftest import DATA, Cli

CHECKS = DATA / "checks"
NAMES = read_names((CHECKS / "names.txt").read_text(encoding="utf-8"), "names.txt")
CONFIG = CheckConfig(
    release_scope=frozenset({"fr"}),
    allowed_names=NAMES.allowed,
    people=NAMES.people,
    contacts=tomllib.loads((CHECKS / "contacts.toml").read_text(encoding="utf-8")),
    glossary=load_folder(DATA / "glossary" / "good"),
)


def _target(path: Path) -> Target:
    kind = "po" if path.suffix == ".po" else "source"
    return Target(path, path.name, kind, "fr" if kind == "po" else "")


BAD = sorted((CHECKS / "bad").iterdir())
GOOD = sorted((CHECKS / "good").iterdir())


@pytest.mark.parametrize("path", BAD, ids=lambda p: p.name)
def test_known_bad_case_fires_exactly_its_check(path: Path) -> None:
    findings = check_target(_target(path), CONFIG)
    assert findings, f"{path.name}: no finding"
    assert {f.check for f in findings} == {path.stem}, [str(f) for f in findings]
    for finding in findings:
        assert finding.path == path.name and finding.line >= 1 and finding.message


@pytest.mark.parametrize("path", GOOD, ids=lambda p: p.name)
def test_known_good_case_is_silent(path: Path) -> None:
    assert check_target(_target(path), CONFIG) == []


def test_every_check_has_a_bad_case() -> None:
    # Review rules need a git history or a roster; tests/review/test_review.py and
    # tests/review/test_signatures.py have their known-bad cases.
    per_file = {
        check.id for check in registry().values() if check.scope not in ("ledger", "roster")
    }
    assert {p.stem for p in BAD} == per_file


def test_line_is_the_msgstr_line() -> None:
    [finding] = check_target(_target(CHECKS / "bad" / "email.po"), CONFIG)
    lines = (CHECKS / "bad" / "email.po").read_text(encoding="utf-8").split("\n")
    assert lines[finding.line - 1].startswith("msgstr ")
    assert finding.msgid == "Write to info@example.org."


def test_a_translator_comment_silences_one_check_for_one_entry(tmp_path: Path) -> None:
    path = tmp_path / "identical.po"
    text = (CHECKS / "bad" / "identical.po").read_text(encoding="utf-8")
    path.write_text(
        text.replace("#. kind: paragraph", "# equalcity-ignore: identical\n#. kind: paragraph"),
        encoding="utf-8",
    )
    assert check_target(_target(path), CONFIG) == []


@pytest.fixture
def gate(repo: Path, cli: Cli) -> Cli:
    cli("extract")
    cli("init", "fr")
    shutil.copy(CHECKS / "contacts.toml", repo / "source" / "contacts.toml")
    (repo / "workflows").mkdir()
    shutil.copy(CHECKS / "names.txt", repo / "workflows" / "fictional-names.txt")
    return cli


def _break(repo: Path) -> Path:
    po = repo / "locales/fr/01-test/annex.po"
    text = po.read_text(encoding="utf-8")
    po.write_text(
        text.replace(
            'msgid "Call {{contact:emergency}} if she is in danger now."\nmsgstr ""',
            'msgid "Call {{contact:emergency}} if she is in danger now."\n'
            'msgstr "Appelez {{contact:urgence}} si elle est en danger."',
        ),
        encoding="utf-8",
    )
    return po


def test_cli_exit_status_and_text_format(gate: Cli, repo: Path) -> None:
    assert gate("check").output.strip().endswith("no findings")
    _break(repo)
    result = gate("check", code=1)
    lines = result.output.strip().splitlines()
    assert lines[0].startswith("locales/fr/01-test/annex.po:")
    assert (
        ": error placeholder: contact placeholder changed or missing: {{contact:emergency}}"
        in (lines[0])
    )
    assert lines[-1].startswith("2 error(s), 0 warning(s) in 1 file(s)")


def test_cli_json_github_and_sarif(gate: Cli, repo: Path) -> None:
    _break(repo)
    findings = json.loads(gate("check", "--format", "json", code=1).output)
    assert {f["check"] for f in findings} == {"placeholder"}
    assert set(findings[0]) == {"path", "line", "check", "severity", "message", "locale", "msgid"}
    assert findings[0]["locale"] == "fr"
    github = gate("check", "--format", "github", code=1).output.splitlines()
    assert github[0].startswith("::error file=locales/fr/01-test/annex.po,line=")
    assert ",title=placeholder::contact placeholder changed" in github[0]
    sarif = json.loads(gate("check", "--format", "sarif", code=1).output)
    assert sarif["version"] == "2.1.0"
    result = sarif["runs"][0]["results"][0]
    assert result["ruleId"] == "placeholder"
    assert result["locations"][0]["physicalLocation"]["region"]["startLine"] == findings[0]["line"]


def test_severity_configuration(gate: Cli, repo: Path) -> None:
    _break(repo)
    (repo / "workflows/checks.toml").write_text('[severity]\nplaceholder = "warning"\n')
    assert "0 error(s), 2 warning(s)" in gate("check").output
    (repo / "workflows/checks.toml").write_text('[severity]\nplaceholder = "loud"\n')
    bad = gate("check", code=2)
    assert bad.output.strip() == (
        "equalcity: workflows/checks.toml:2: severity of placeholder must be one of "
        "error, warning, off, not 'loud'"
    )
    (repo / "workflows/checks.toml").write_text('[severity]\nno-such-check = "off"\n')
    assert "unknown check 'no-such-check'" in gate("check", code=2).output


def test_broken_file_is_a_finding_and_the_rest_is_still_checked(gate: Cli, repo: Path) -> None:
    _break(repo)
    module = repo / "locales/fr/01-test/module.po"
    module.write_bytes(module.read_bytes() + b'\nmsgid "x"\n')
    result = gate("check", code=1)
    assert (
        "module.po:" in result.output and "error po-syntax: msgid without msgstr" in result.output
    )
    assert "annex.po:" in result.output and "placeholder" in result.output
    assert "Traceback" not in result.output
    module.write_bytes(module.read_bytes()[: -len(b'\nmsgid "x"\n')])


def test_check_given_paths_only(gate: Cli, repo: Path) -> None:
    _break(repo)
    assert gate("check", str(repo / "locales/fr/01-test/module.po")).output.strip() == "no findings"
    assert gate("check", str(repo / "nope"), code=2).output.startswith("equalcity: ")


def test_a_po_file_outside_the_layout_is_checked_in_its_header_language(
    cli: Cli, tmp_path: Path
) -> None:
    outside = tmp_path / "elsewhere" / "other.po"
    outside.parent.mkdir()
    text = (CHECKS / "bad" / "placeholder.po").read_text(encoding="utf-8")
    outside.write_text(text, encoding="utf-8")
    result = cli("check", str(outside), code=1)
    assert "placeholder" in result.output and "no findings" not in result.output
    assert "not a translation under locales/<lang>/" in result.output
    inside = cli.root / "drafts" / "other.po"
    inside.parent.mkdir()
    inside.write_text(text, encoding="utf-8")
    assert (
        "placeholder" in cli("check", str(inside), code=1).output
    )  # the note (stderr, mixed in by click)
    folder = cli("check", str(outside.parent), code=1)
    assert "placeholder" in folder.output


def test_a_path_that_is_not_a_po_file_is_refused(cli: Cli, tmp_path: Path) -> None:
    other = tmp_path / "notes.txt"
    other.write_text("hello\n", encoding="utf-8")
    result = cli("check", str(other), code=2)
    assert "not a PO file" in result.output and "notes.txt" in result.output


def _testimony(name: str, age: int) -> str:
    return (
        "<!-- equalcity: testimony -->\n\n> Nobody had asked me before.\n>\n"
        f"> — *{name}, {age}. Fictional composite drawn from frontline practice.*\n"
    )


def _name_findings(cli: Cli) -> list[tuple[str, str]]:
    findings = json.loads(cli("check", "--format", "json").output)
    return sorted((f["path"], f["message"]) for f in findings if f["check"] == "testimony-name")


def test_one_name_is_one_person_across_the_toolbox(repo: Path, cli: Cli) -> None:
    shutil.copy(CHECKS / "contacts.toml", repo / "source" / "contacts.toml")
    (repo / "workflows").mkdir()
    (repo / "workflows/fictional-names.txt").write_text(
        "# people\nRosa: 41, 01-test\nAna: 27, 01-test\nAmina: 34, 01-test\nLina\nMira: 02-other\n",
        encoding="utf-8",
    )
    (repo / "source/01-test/story.md").write_text(
        "# Story\n\n" + _testimony("Rosa", 41) + "\nAna is 27 and goes to a language course.\n",
        encoding="utf-8",
    )
    assert _name_findings(cli) == []
    # The same names for other people: another module's Rosa, an Ana of another age, and a
    # narrator whose name is allowed but who is nobody in particular yet.
    (repo / "source/02-other").mkdir()
    (repo / "source/02-other/module.md").write_text(
        "# Other\n\n" + _testimony("Rosa", 41) + "\n" + _testimony("Lina", 26), encoding="utf-8"
    )
    (repo / "source/01-test/case.md").write_text(
        "# Case\n\nAna, 29, works in a restaurant kitchen. Mira is her friend.\n", encoding="utf-8"
    )
    assert _name_findings(cli) == [
        (
            "source/01-test/case.md",
            "'Ana' is 27 in workflows/fictional-names.txt:3, here 29; one name, one person: "
            "give this one another name and pin it there",
        ),
        (
            "source/01-test/case.md",
            "'Mira' is the fictional person of 02-other (workflows/fictional-names.txt:6); one "
            "name, one person: give this one another name and pin it there",
        ),
        (
            "source/02-other/module.md",
            "'Lina' tells a testimony but nobody says who she is: add 'Lina: age, 02-other' "
            "to workflows/fictional-names.txt",
        ),
        (
            "source/02-other/module.md",
            "'Rosa' is the fictional person of 01-test (workflows/fictional-names.txt:2); one "
            "name, one person: give this one another name and pin it there",
        ),
    ]


@pytest.mark.parametrize(
    ("register", "message"),
    [
        ("Rosa: 41, 01-test\nRosa: 29, 02-other\n", "Rosa is pinned twice (first at line 1)"),
        ("Rosa, 41\n", "expected 'Name', 'Name: age, module' or 'Name: module', not 'Rosa, 41'"),
    ],
)
def test_a_bad_names_register_is_bad_input(
    repo: Path, cli: Cli, register: str, message: str
) -> None:
    (repo / "workflows").mkdir()
    (repo / "workflows/fictional-names.txt").write_text(register, encoding="utf-8")
    output = cli("check", code=2).output.strip()
    assert output.startswith("equalcity: workflows/fictional-names.txt:")
    assert message in output and "Traceback" not in output


def test_github_format_writes_every_finding_to_the_job_summary(
    gate: Cli, repo: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    _break(repo)
    summary = tmp_path / "summary.md"
    summary.write_text("earlier step\n", encoding="utf-8")
    monkeypatch.setenv("GITHUB_STEP_SUMMARY", str(summary))
    monkeypatch.setenv("GITHUB_SERVER_URL", "https://github.com")
    monkeypatch.setenv("GITHUB_REPOSITORY", "equalcity/toolbox")
    monkeypatch.setenv("GITHUB_SHA", "0123abc")
    findings = json.loads(gate("check", "--format", "json", code=1).output)
    gate("check", "--format", "github", code=1)
    text = summary.read_text(encoding="utf-8")
    assert text.startswith("earlier step\n## equalcity check: 2 error(s), 0 warning(s)")
    assert "### `locales/fr/01-test/annex.po`: 2 error(s), 0 warning(s)" in text
    rows = [line for line in text.splitlines() if line.startswith("| ") and "`" in line]
    assert len(rows) == len(findings)
    sarif = json.loads(gate("check", "--format", "sarif", code=1).output)
    assert sarif["runs"][0]["tool"]["driver"]["informationUri"] == (
        "https://github.com/equalcity/toolbox/blob/0123abc/docs/checks.md"
    )


def test_job_summary_cells_cannot_break_the_table() -> None:
    finding = Finding("a.po", 3, "raw-html", "error", "raw <script> | and\nmore")
    text = github_summary([finding])
    assert "| 3 | error | `raw-html` | raw &lt;script&gt; \\| and more |" in text

"""Findings as text, JSON, GitHub annotations or SARIF 2.1.0."""

from __future__ import annotations

import json
from collections import Counter
from collections.abc import Sequence

from equalcity import __version__
from equalcity.checks import Finding, registry

FORMATS = ("text", "json", "github", "sarif")


def summary(findings: Sequence[Finding]) -> str:
    counts = Counter(f.severity for f in findings)
    files = len({f.path for f in findings})
    return (
        f"{counts['error']} error(s), {counts['warning']} warning(s) in {files} file(s)"
        if findings
        else "no findings"
    )


def text(findings: Sequence[Finding]) -> str:
    lines = [f"{f.path}:{f.line}: {f.severity} {f.check}: {f.message}" for f in findings]
    return "\n".join([*lines, summary(findings)]) + "\n"


def as_json(findings: Sequence[Finding]) -> str:
    return json.dumps([f.as_dict() for f in findings], indent=2, ensure_ascii=False) + "\n"


def _escape_data(value: str) -> str:
    return value.replace("%", "%25").replace("\r", "%0D").replace("\n", "%0A")


def _escape_property(value: str) -> str:
    return _escape_data(value).replace(":", "%3A").replace(",", "%2C")


def github(findings: Sequence[Finding]) -> str:
    """GitHub Actions workflow commands: annotations inline in the pull request."""
    lines = []
    for f in findings:
        level = "error" if f.severity == "error" else "warning"
        lines.append(
            f"::{level} file={_escape_property(f.path)},line={f.line},"
            f"title={_escape_property(f.check)}::{_escape_data(f.message)}"
        )
    lines.append(summary(findings))
    return "\n".join(lines) + "\n"


def github_summary(findings: Sequence[Finding]) -> str:
    """Markdown for the job summary (``$GITHUB_STEP_SUMMARY``): every finding, grouped by file.

    GitHub shows only the first ten error annotations of a step; the summary has them all.
    """
    lines = [f"## equalcity check: {summary(findings)}", ""]
    by_file: dict[str, list[Finding]] = {}
    for finding in findings:
        by_file.setdefault(finding.path, []).append(finding)
    for path, found in sorted(by_file.items()):
        counts = Counter(f.severity for f in found)
        lines += [
            f"### `{path}`: {counts['error']} error(s), {counts['warning']} warning(s)",
            "",
            "| line | severity | check | message |",
            "|---:|---|---|---|",
        ]
        for f in sorted(found, key=lambda f: (f.line, f.check)):
            message = _markdown_cell(f.message)
            lines.append(f"| {f.line} | {f.severity} | `{f.check}` | {message} |")
        lines.append("")
    return "\n".join(lines) + "\n"


def _markdown_cell(value: str) -> str:
    """Text safe inside a Markdown table cell (no row or cell breaks, no raw HTML)."""
    value = value.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;")
    return value.replace("|", "\\|").replace("\r", " ").replace("\n", " ")


def sarif(findings: Sequence[Finding], information_uri: str | None = None) -> str:
    """SARIF 2.1.0, for code scanning; ``information_uri`` is where the checks are explained
    (the repository's docs/checks.md when CI knows the repository's address)."""
    checks = registry()
    used = sorted({f.check for f in findings} | set(checks))
    rules = [
        {
            "id": check,
            "shortDescription": {"text": checks[check].explanation if check in checks else check},
            "defaultConfiguration": {
                "level": "error"
                if check in checks and checks[check].severity == "error"
                else "warning"
            },
        }
        for check in used
    ]
    results = [
        {
            "ruleId": f.check,
            "ruleIndex": used.index(f.check),
            "level": "error" if f.severity == "error" else "warning",
            "message": {"text": f.message},
            "locations": [
                {
                    "physicalLocation": {
                        "artifactLocation": {"uri": f.path, "uriBaseId": "%SRCROOT%"},
                        "region": {"startLine": f.line},
                    }
                }
            ],
            **({"properties": {"locale": f.locale, "msgid": f.msgid}} if f.locale else {}),
        }
        for f in findings
    ]
    document = {
        "$schema": "https://json.schemastore.org/sarif-2.1.0.json",
        "version": "2.1.0",
        "runs": [
            {
                "tool": {
                    "driver": {
                        "name": "equalcity",
                        "version": __version__,
                        **({"informationUri": information_uri} if information_uri else {}),
                        "rules": rules,
                    }
                },
                "results": results,
            }
        ],
    }
    return json.dumps(document, indent=2, ensure_ascii=False) + "\n"


def render(findings: Sequence[Finding], fmt: str, information_uri: str | None = None) -> str:
    if fmt == "sarif":
        return sarif(findings, information_uri)
    return {"text": text, "json": as_json, "github": github}[fmt](findings)

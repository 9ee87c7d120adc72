"""Passkeys (WebAuthn, through py_webauthn): registration after an invitation, sign-in.

Sign-in is *usernameless*: the browser offers the passkeys it holds for this site (discoverable
credentials), so the page never asks for a roster id and cannot tell a visitor which ids exist.
A passkey is bound to the service's origin by the browser, so a look-alike phishing site gets
nothing it can use.
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from urllib.parse import urlsplit

from webauthn import (
    generate_authentication_options,
    generate_registration_options,
    options_to_json,
    verify_authentication_response,
    verify_registration_response,
)
from webauthn.helpers.exceptions import InvalidAuthenticationResponse, InvalidRegistrationResponse
from webauthn.helpers.structs import (
    AuthenticatorSelectionCriteria,
    PublicKeyCredentialDescriptor,
    ResidentKeyRequirement,
    UserVerificationRequirement,
)

from equalcity.errors import EqualcityError


class PasskeyError(EqualcityError):
    """A WebAuthn response that does not verify (wrong origin, challenge, signature…)."""


@dataclass(frozen=True)
class RelyingParty:
    """The service as WebAuthn knows it: its origin (the public URL) and the host name."""

    origin: str
    name: str = "equalcity review panel"

    @property
    def id(self) -> str:
        return urlsplit(self.origin).hostname or ""


@dataclass(frozen=True)
class NewPasskey:
    credential_id: bytes
    public_key: bytes
    sign_count: int


def registration_options(
    rp: RelyingParty, roster_id: str, user_handle: bytes, existing: list[bytes]
) -> tuple[str, bytes]:
    """The options for ``navigator.credentials.create`` (JSON) and their challenge."""
    options = generate_registration_options(
        rp_id=rp.id,
        rp_name=rp.name,
        user_name=roster_id,
        user_id=user_handle,
        user_display_name=roster_id,
        authenticator_selection=AuthenticatorSelectionCriteria(
            resident_key=ResidentKeyRequirement.REQUIRED,
            user_verification=UserVerificationRequirement.PREFERRED,
        ),
        exclude_credentials=[PublicKeyCredentialDescriptor(id=c) for c in existing],
    )
    return options_to_json(options), options.challenge


def verify_registration(rp: RelyingParty, credential: str, challenge: bytes) -> NewPasskey:
    try:
        verified = verify_registration_response(
            credential=credential,
            expected_challenge=challenge,
            expected_rp_id=rp.id,
            expected_origin=rp.origin,
        )
    except (InvalidRegistrationResponse, ValueError, KeyError, TypeError) as exc:
        raise PasskeyError(f"the passkey could not be registered: {exc}") from None
    return NewPasskey(verified.credential_id, verified.credential_public_key, verified.sign_count)


def authentication_options(rp: RelyingParty) -> tuple[str, bytes]:
    """The options for ``navigator.credentials.get`` (JSON) and their challenge."""
    options = generate_authentication_options(
        rp_id=rp.id, user_verification=UserVerificationRequirement.PREFERRED
    )
    return options_to_json(options), options.challenge


def credential_id(credential: str) -> bytes:
    """The raw id of the credential in a browser's JSON response."""
    from webauthn import base64url_to_bytes

    try:
        data = json.loads(credential)
        return base64url_to_bytes(str(data["rawId"]))
    except (ValueError, KeyError, TypeError):
        raise PasskeyError("the sign-in response is not a passkey response") from None


def verify_authentication(
    rp: RelyingParty, credential: str, challenge: bytes, public_key: bytes, sign_count: int
) -> int:
    """Verify a sign-in; returns the authenticator's new signature counter."""
    try:
        verified = verify_authentication_response(
            credential=credential,
            expected_challenge=challenge,
            expected_rp_id=rp.id,
            expected_origin=rp.origin,
            credential_public_key=public_key,
            credential_current_sign_count=sign_count,
        )
    except (InvalidAuthenticationResponse, ValueError, KeyError, TypeError) as exc:
        raise PasskeyError(f"the passkey did not sign in: {exc}") from None
    return int(verified.new_sign_count)

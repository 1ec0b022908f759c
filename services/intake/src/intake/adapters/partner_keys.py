"""Intake's key for partner concerns: partners encrypt to its public half (JWKS), intake decrypts."""

from __future__ import annotations

import hashlib
import json
from typing import Any

from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric import ec
from joserfc import jwe
from joserfc.errors import JoseError
from joserfc.jwk import ECKey, KeyParameters

from frontdoor_shared.errors import PermanentError

KID = "intake-partner-1"
ALGORITHMS = ["ECDH-ES+A256KW", "ECDH-ES", "A256GCM"]


class UnreadablePartnerConcern(PermanentError):
    """The JWE could not be decrypted with intake's key (wrong key, algorithm or tampered)."""


def development_key() -> ECKey:
    """A fixed key for the development stack only; production configures INTAKE_PARTNER_PRIVATE_JWK."""
    return fixed_development_key(b"frontdoor-development-only-partner-key", {"kid": KID, "use": "enc"})


def fixed_development_key(seed: bytes, parameters: KeyParameters) -> ECKey:
    """A P-256 key derived from `seed`: the same on every machine, so for development only."""
    scalar = int.from_bytes(hashlib.sha256(seed).digest(), "big")
    private = ec.derive_private_key(scalar % (2**255), ec.SECP256R1())
    pem = private.private_bytes(serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8,
                                serialization.NoEncryption())
    return ECKey.import_key(pem, parameters)


def load_key(private_jwk: str | None) -> ECKey:
    return ECKey.import_key(json.loads(private_jwk)) if private_jwk else development_key()


def public_jwks(key: ECKey) -> dict[str, Any]:
    public = key.as_dict(private=False)
    return {"keys": [{**public, "kid": public.get("kid", KID), "use": "enc", "alg": "ECDH-ES+A256KW"}]}


def open_jwe(key: ECKey, token: str) -> tuple[bytes, bool]:
    """The plaintext, and whether it is a nested JWT (the JWE's `cty` is `JWT`: a signed concern)."""
    try:
        opened = jwe.decrypt_compact(token, key, algorithms=ALGORITHMS)
    except (JoseError, ValueError) as err:
        raise UnreadablePartnerConcern(f"data.jwe: cannot be decrypted with intake's key ({type(err).__name__})"
                                       ) from None
    return opened.plaintext or b"", str(opened.protected.get("cty", "")).upper() == "JWT"


def encrypt_for(public_jwk: dict[str, Any], plaintext: bytes, *, nested_jwt: bool = False) -> str:
    """What a partner does (used by tests and the demo): encrypt a concern, or a signed JWT of it
    (`nested_jwt`), for intake."""
    key = ECKey.import_key(public_jwk)
    header = {"alg": "ECDH-ES+A256KW", "enc": "A256GCM", "kid": KID, **({"cty": "JWT"} if nested_jwt else {})}
    return jwe.encrypt_compact(header, plaintext, key)

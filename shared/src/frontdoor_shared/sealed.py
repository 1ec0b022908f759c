"""Sealing data for one recipient service alone (X25519 + HKDF-SHA256 + AES-256-GCM).

Intake seals a family's contact details with notifications' public key before they go on a
topic; only notifications, holding the private key, can open them. Anyone else reading the topic
(or a backup of it) sees random bytes. Format: base64url(version || ephemeral public key ||
nonce || ciphertext).

One ephemeral key serves several seals to the same recipient, as one HPKE context serves several
messages: for at most `EPHEMERAL_USES` seals or `EPHEMERAL_SECONDS`, whichever ends first, then a
new one. Each seal still has its own random 96-bit nonce (with at most 4,096 seals under one key a
nonce collision has odds of about 1 in 10^22), so confidentiality and integrity are those of
AES-256-GCM under a key only the recipient can derive. What it saves is an X25519 key generation
and exchange per seal, and on the recipient's side the exchange too: `open_sealed` keeps the keys
it has derived (from the ephemeral public key on the token; never the plaintext) for the
ephemeral keys it has recently seen. The ephemeral private key lives in the sealing process's
memory for those few minutes, beside the plaintext it seals, and is never stored.
"""

from __future__ import annotations

import base64
import functools
import os
import time
from dataclasses import dataclass

from cryptography.hazmat.primitives import hashes
from cryptography.hazmat.primitives.asymmetric.x25519 import X25519PrivateKey, X25519PublicKey
from cryptography.hazmat.primitives.ciphers.aead import AESGCM
from cryptography.hazmat.primitives.kdf.hkdf import HKDF
from cryptography.hazmat.primitives.serialization import (
    Encoding,
    NoEncryption,
    PrivateFormat,
    PublicFormat,
)

from frontdoor_shared.errors import PermanentError

_VERSION = b"\x01"
_INFO = b"frontdoor-sealed-v1"


class SealError(PermanentError):
    """Sealed data could not be opened: wrong key, tampered or truncated."""


def _b64(data: bytes) -> str:
    return base64.urlsafe_b64encode(data).decode().rstrip("=")


def _unb64(text: str) -> bytes:
    return base64.urlsafe_b64decode(text + "=" * (-len(text) % 4))


def generate_keypair() -> tuple[str, str]:
    """Return (private, public) keys, base64url encoded, for configuration."""
    private = X25519PrivateKey.generate()
    raw_private = private.private_bytes(Encoding.Raw, PrivateFormat.Raw, NoEncryption())
    raw_public = private.public_key().public_bytes(Encoding.Raw, PublicFormat.Raw)
    return _b64(raw_private), _b64(raw_public)


def public_key_of(private_b64: str) -> str:
    private = X25519PrivateKey.from_private_bytes(_unb64(private_b64))
    return _b64(private.public_key().public_bytes(Encoding.Raw, PublicFormat.Raw))


# The configured keys, parsed once (the strings are in the settings for the process's life anyway):
# loading an X25519 key costs about as much as the exchange it is used for.
@functools.lru_cache(maxsize=16)
def _private_key(private_b64: str) -> X25519PrivateKey:
    return X25519PrivateKey.from_private_bytes(_unb64(private_b64))


@functools.lru_cache(maxsize=16)
def _public_key(public_b64: str) -> X25519PublicKey:
    return X25519PublicKey.from_public_bytes(_unb64(public_b64))


def _key(shared: bytes, ephemeral: bytes) -> bytes:
    return HKDF(algorithm=hashes.SHA256(), length=32, salt=ephemeral, info=_INFO).derive(shared)


EPHEMERAL_USES = 4096
EPHEMERAL_SECONDS = 300.0


@dataclass
class _Ephemeral:
    """One ephemeral key's public half and the AES-GCM key it agreed with a recipient."""

    public: bytes
    aead: AESGCM
    until: float
    left: int


_ephemeral: dict[str, _Ephemeral] = {}  # by recipient public key (a service seals for one or two)
_RECIPIENTS_KEPT = 16


def _ephemeral_for(public_b64: str) -> _Ephemeral:
    now = time.monotonic()
    current = _ephemeral.get(public_b64)
    if current is None or current.left <= 0 or now >= current.until:
        ephemeral = X25519PrivateKey.generate()
        eph_pub = ephemeral.public_key().public_bytes(Encoding.Raw, PublicFormat.Raw)
        current = _Ephemeral(eph_pub, AESGCM(_key(ephemeral.exchange(_public_key(public_b64)), eph_pub)),
                             now + EPHEMERAL_SECONDS, EPHEMERAL_USES)
        if public_b64 not in _ephemeral and len(_ephemeral) >= _RECIPIENTS_KEPT:
            _ephemeral.clear()  # keys of many recipients (tests, rotations): start again, never grow
        _ephemeral[public_b64] = current
    current.left -= 1
    return current


def seal(public_b64: str, plaintext: bytes) -> str:
    ephemeral = _ephemeral_for(public_b64)
    nonce = os.urandom(12)
    ciphertext = ephemeral.aead.encrypt(nonce, plaintext, _VERSION)
    return _b64(_VERSION + ephemeral.public + nonce + ciphertext)


@functools.lru_cache(maxsize=256)
def _opener(private_b64: str, eph_pub: bytes) -> AESGCM:
    """The AES-GCM key agreed with one ephemeral key (an exchange per ephemeral key, not per token)."""
    shared = _private_key(private_b64).exchange(X25519PublicKey.from_public_bytes(eph_pub))
    return AESGCM(_key(shared, eph_pub))


def open_sealed(private_b64: str, token: str) -> bytes:
    try:
        blob = _unb64(token)
        if blob[:1] != _VERSION or len(blob) < 1 + 32 + 12 + 16:
            raise SealError("sealed data has an unknown version or is truncated")
        eph_pub, nonce, ciphertext = blob[1:33], blob[33:45], blob[45:]
        return _opener(private_b64, eph_pub).decrypt(nonce, ciphertext, _VERSION)
    except SealError:
        raise
    except Exception as err:  # noqa: BLE001 - cryptography raises several types; all mean "cannot open"
        raise SealError(f"sealed data cannot be opened ({type(err).__name__})") from None


def development_keypair() -> tuple[str, str]:
    """A fixed key pair for the development stack only; production must configure its own."""
    import hashlib

    private = _b64(hashlib.sha256(b"frontdoor-development-only-sealing-key").digest())
    return private, public_key_of(private)

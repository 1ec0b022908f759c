"""Who may speak for a partner on the partner topic: each partner's public signing keys.

An event on `partner.concerns.v1` says which partner sent it in its CloudEvents `source`, and that
is only the sender's word: anyone allowed to write to the topic could claim to be anyone. A
partner proves it by signing: the JWE it encrypts for intake holds a signed JWT (a nested JWT,
RFC 7519 section 5.2: the JWE's `cty` is `JWT`) whose signature verifies under a key the council
registered for that partner, whose `iss` is the partner and whose `jti` is the event's id (so a
signed concern cannot be sent again as another event).

The council registers the keys in a JSON file (INTAKE_PARTNER_SIGNING_KEYS_FILE):

    {"partners": {"<client id>": {"keys": [<public JWK with "kid">, ...]}}}

Only public keys: a private one is refused at start-up (it belongs to the partner alone). A
partner with keys must sign every event; one without may send unsigned events only where the
council allows it (INTAKE_UNSIGNED_PARTNER_EVENTS=accept, the default outside production).
"""

from __future__ import annotations

import json
from collections.abc import Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Literal

from joserfc import jwt
from joserfc.errors import JoseError
from joserfc.jwk import ECKey, KeySet

from intake.adapters.partner_keys import fixed_development_key

SIGNING_ALGORITHMS = ["ES256", "ES384", "PS256", "RS256"]
KEY_TYPES = {"EC", "RSA"}
DEMO_PARTNER = "demo-partner"
DEMO_KID = "demo-partner-signing-1"
FUTURE_SKEW_SECONDS = 300  # a partner's clock a little ahead is tolerated, an `iat` further ahead is not


class PartnerKeysError(ValueError):
    """The partners' signing keys file is wrong; the message names the partner, key and why."""


class BadSignature(ValueError):
    """A signed concern that does not prove its sender; the message says which check failed."""


def development_signing_key() -> ECKey:
    """The demo partner's signing key, for the development stack only (never registered in production)."""
    return fixed_development_key(b"frontdoor-development-only-demo-partner-signing-key",
                                 {"kid": DEMO_KID, "use": "sig", "alg": "ES256"})


@dataclass(frozen=True)
class PartnerSigning:
    """The registered keys, and whether a partner without keys may send unsigned events."""

    keys: Mapping[str, KeySet] = field(default_factory=dict)
    unsigned: Literal["accept", "refuse"] = "refuse"

    def must_sign(self, partner: str) -> bool:
        return partner in self.keys or self.unsigned == "refuse"

    def verified_concern(self, partner: str, event_id: str, token: bytes, *, now: float) -> dict[str, Any]:
        """The concern a signed JWT carries, once it is proved to come from `partner` for this event."""
        concern = self.verified_claims(partner, event_id, token, now=now).get("concern")
        if not isinstance(concern, dict):
            raise BadSignature("the signed claims have no concern object")
        return concern

    def verified_claims(self, partner: str, event_id: str, token: bytes, *, now: float) -> dict[str, Any]:
        """A signed JWT's claims, once it is proved to come from `partner` for this event."""
        keys = self.keys.get(partner)
        if keys is None:
            raise BadSignature(f"no signing key is registered for partner {partner[:100]!r}")
        try:
            claims = jwt.decode(token, keys, algorithms=SIGNING_ALGORITHMS).claims
        except (JoseError, ValueError) as err:
            raise BadSignature(f"the signature does not verify under {partner[:100]!r}'s registered keys "
                               f"({type(err).__name__})") from None
        if claims.get("iss") != partner:
            raise BadSignature("the signed iss is not the partner the event's source names")
        if claims.get("jti") != event_id:
            raise BadSignature("the signed jti is not this event's id (a signed concern is sent once, as one event)")
        issued = claims.get("iat")
        if not isinstance(issued, int | float) or issued > now + FUTURE_SKEW_SECONDS:
            raise BadSignature("iat is missing or in the future")
        return dict(claims)


def development() -> PartnerSigning:
    """Outside production without a keys file: the demo partner signs with the development key."""
    public = development_signing_key().as_dict(private=False)
    return PartnerSigning(keys={DEMO_PARTNER: KeySet.import_key_set({"keys": [public]})}, unsigned="accept")


def load_partner_keys(path: Path, unsigned: Literal["accept", "refuse"]) -> PartnerSigning:
    """Read and check the council's file; `PartnerKeysError` names what is wrong."""
    try:
        document = json.loads(path.read_text(encoding="utf-8"))
    except (OSError, ValueError) as err:
        raise PartnerKeysError(f"{path}: cannot be read as JSON ({type(err).__name__})") from None
    partners = document.get("partners") if isinstance(document, dict) else None
    if not isinstance(partners, dict):
        raise PartnerKeysError(f'{path}: expected {{"partners": {{"<client id>": {{"keys": [...]}}}}}}')
    return PartnerSigning(keys={partner: _key_set(path, partner, entry) for partner, entry in partners.items()},
                          unsigned=unsigned)


def _key_set(path: Path, partner: str, entry: Any) -> KeySet:
    keys = entry.get("keys") if isinstance(entry, dict) else None
    if not isinstance(keys, list) or not keys:
        raise PartnerKeysError(f"{path}: partners.{partner}.keys: a list of at least one public JWK is needed")
    kids: set[str] = set()
    for i, jwk in enumerate(keys):
        where = f"{path}: partners.{partner}.keys[{i}]"
        if not isinstance(jwk, dict) or jwk.get("kty") not in KEY_TYPES:
            raise PartnerKeysError(f"{where}: kty must be one of {', '.join(sorted(KEY_TYPES))}")
        if "d" in jwk:
            raise PartnerKeysError(f"{where}: a private key; register only the public half (the partner keeps "
                                   "the private one)")
        kid = jwk.get("kid")
        if not isinstance(kid, str) or not kid:
            raise PartnerKeysError(f"{where}: kid is missing (the signed JWT names its key by kid)")
        if kid in kids:
            raise PartnerKeysError(f"{where}: kid {kid!r} is listed twice")
        kids.add(kid)
    try:
        return KeySet.import_key_set({"keys": keys})
    except (JoseError, ValueError) as err:
        raise PartnerKeysError(f"{path}: partners.{partner}.keys: not a valid key ({err})") from None


def signed_concern(signing_key: Any, partner: str, event_id: str, concern: dict[str, Any], *, issued_at: int,
                   alg: str = "ES256") -> str:
    """What a partner does before encrypting (tests, the demo, the benchmark): sign the concern as a JWT."""
    return signed_claims(signing_key, partner, event_id, {"concern": concern}, issued_at=issued_at, alg=alg)


def signed_claims(signing_key: Any, partner: str, event_id: str, claims: dict[str, Any], *, issued_at: int,
                  alg: str = "ES256") -> str:
    """A partner's signed JWT of `claims` for one event (`iss`, `jti` and `iat` added)."""
    return jwt.encode({"alg": alg, "kid": signing_key.kid, "typ": "JWT"},
                      {**claims, "iss": partner, "jti": event_id, "iat": issued_at}, signing_key, algorithms=[alg])

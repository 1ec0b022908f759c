"""partner.concerns.v1: a partner agency's system submits a concern (public, inbound).

The concern itself (the same JSON as `POST /api/v1/concerns`) travels encrypted for intake alone
as a compact JWE (RFC 7516): alg `ECDH-ES+A256KW` or `ECDH-ES`, enc `A256GCM`, to intake's public
key published at `/api/v1/jwks.json`. Any JOSE library in any language can produce it, and
nothing readable about a child is ever on the topic. The CloudEvents `id` is the idempotency key
(per `source`): sending the same event again never creates a second concern.

The sender proves who it is by signing: the JWE (header `cty: JWT`) holds a JWT signed with a key
the council registered for the partner (ES256, ES384, PS256 or RS256, named by `kid`), with
claims `iss` (the partner's client id, as in `source` `urn:frontdoor:partner:<client id>`),
`jti` (this event's `id`), `iat` and `concern` (the concern object). A partner with a registered
key must sign; the council decides whether anyone may send unsigned concerns.
"""

from __future__ import annotations

from typing import ClassVar

from pydantic import Field

from frontdoor_shared import topics
from frontdoor_shared.contracts.base import Contract


class PartnerConcernV1(Contract):
    """A concern from a partner system, its content a JWE for intake alone."""

    TYPE: ClassVar[str] = "uk.frontdoor.partner.concern.submitted.v1"
    TOPIC: ClassVar[str] = topics.PARTNER_CONCERNS
    VERSION: ClassVar[int] = 1

    jwe: str = Field(min_length=20, max_length=200_000,
                     description="Compact JWE, encrypted to intake's public key, of the partner's signed JWT "
                                 "of the concern (cty JWT), or of the concern JSON where unsigned is allowed")

"""Who is asking: staff (signed in) and partner systems (OAuth2 client credentials), as JWTs.

In the embedded stack intake signs tokens with a shared secret (HS256) after checking a local
account (argon2 password hashes) or a partner client's secret. In production a council's OIDC
provider can sign them instead: set FRONTDOOR_OIDC_JWKS_URL (and issuer, audience) and every
service verifies its RS256/ES256 tokens from the provider's keys. Authorisation decisions live in
`frontdoor_shared.access`, in one place.
"""

from __future__ import annotations

import secrets
import time
from collections import OrderedDict
from dataclasses import dataclass, field
from typing import Any

import jwt
from pydantic import Field, SecretStr, model_validator
from pydantic_settings import BaseSettings, SettingsConfigDict

from frontdoor_shared.errors import FrontDoorError
from frontdoor_shared.revocation import Revocations

DEV_SECRET = "development-only-token-signing-secret-change-me"  # noqa: S105 - refused in production
ISSUER = "urn:frontdoor:intake"
AUDIENCE = "urn:frontdoor"
SESSION_COOKIE = "fd_session"


class AuthSettings(BaseSettings):
    model_config = SettingsConfigDict(extra="ignore")

    environment: str = Field(default="development", validation_alias="FRONTDOOR_ENV")
    secret: SecretStr = Field(default=SecretStr(DEV_SECRET), validation_alias="FRONTDOOR_AUTH_SECRET")
    token_minutes: int = Field(default=60, validation_alias="FRONTDOOR_TOKEN_MINUTES")
    oidc_jwks_url: str | None = Field(default=None, validation_alias="FRONTDOOR_OIDC_JWKS_URL")
    oidc_issuer: str | None = Field(default=None, validation_alias="FRONTDOOR_OIDC_ISSUER")
    oidc_audience: str | None = Field(default=None, validation_alias="FRONTDOOR_OIDC_AUDIENCE")

    @model_validator(mode="after")
    def _no_dev_secret_in_production(self) -> AuthSettings:
        if self.environment == "production" and self.secret.get_secret_value() == DEV_SECRET \
                and not self.oidc_jwks_url:
            raise ValueError("FRONTDOOR_AUTH_SECRET (or an OIDC provider) must be set in production")
        return self

    @property
    def secure_cookies(self) -> bool:
        return self.environment == "production"


class NotAuthenticated(FrontDoorError):
    """No credentials, or credentials that are invalid or expired."""


class SessionEnded(NotAuthenticated):
    """A validly signed token whose session was ended: signed out, a new password, a disabled account."""


class PasswordChangeRequired(NotAuthenticated):
    """Signed in with a password the council printed: only changing it is allowed until then."""


@dataclass(frozen=True)
class Principal:
    """A signed-in member of staff or a partner system."""

    subject: str
    kind: str  # "staff" or "partner"
    role: str | None = None  # referrer, panel-member, panel-chair, council-admin
    organisation: str | None = None
    panel_id: str | None = None
    scopes: frozenset[str] = field(default_factory=frozenset)
    name: str | None = None
    # signed in with a password the council printed for them: nothing but changing it until they do
    must_change_password: bool = False
    # of the token it came from (not claims it issues, nor who it is: not compared): its session,
    # when it was issued and when it runs out
    session_id: str | None = field(default=None, compare=False)
    issued_at: float = field(default=0.0, compare=False)
    expires_at: float = field(default=0.0, compare=False)

    def claims(self) -> dict[str, Any]:
        claims = {"sub": self.subject, "kind": self.kind, "role": self.role, "org": self.organisation,
                  "panel": self.panel_id, "scope": " ".join(sorted(self.scopes)), "name": self.name}
        return {**claims, "chg": True} if self.must_change_password else claims


def _principal(claims: dict[str, Any]) -> Principal:
    sid, iat = claims.get("sid"), claims.get("iat")
    return Principal(subject=str(claims["sub"]), kind=str(claims.get("kind", "staff")),
                     role=claims.get("role"), organisation=claims.get("org"), panel_id=claims.get("panel"),
                     scopes=frozenset(str(claims.get("scope") or "").split()), name=claims.get("name"),
                     must_change_password=claims.get("chg") is True,
                     session_id=sid if isinstance(sid, str) and 0 < len(sid) <= 255 else None,
                     issued_at=float(iat) if isinstance(iat, int | float) else 0.0, expires_at=float(claims["exp"]))


VERIFIED_TOKENS = 1024  # tokens whose signature was checked, kept until they expire


class Tokens:
    def __init__(self, settings: AuthSettings | None = None, revocations: Revocations | None = None) -> None:
        self.settings = settings or AuthSettings()
        # sessions ended before their tokens run out (`frontdoor_shared.revocation`)
        self.revocations = revocations if revocations is not None else Revocations()
        self._jwks = jwt.PyJWKClient(self.settings.oidc_jwks_url) if self.settings.oidc_jwks_url else None
        # A partner's system sends one bearer token with every request: its signature is checked
        # once, then the token is known until it expires (its revocation is looked up on every
        # request, after this). Bounded; the oldest is forgotten first.
        self._verified: OrderedDict[str, tuple[Principal, float]] = OrderedDict()

    def issue(self, principal: Principal, minutes: int | None = None, *, at: float | None = None) -> str:
        """A token for a new session (`sid`, random), issued `at` (now): to the microsecond, so a
        revocation at that same moment (a password just changed) does not end it."""
        now = time.time() if at is None else at
        claims = {**principal.claims(), "iss": ISSUER, "aud": AUDIENCE, "iat": now,
                  "exp": int(now) + 60 * (minutes or self.settings.token_minutes),
                  "sid": secrets.token_urlsafe(16)}
        return jwt.encode(claims, self.settings.secret.get_secret_value(), algorithm="HS256")

    def verify(self, token: str, *, changing_password: bool = False) -> Principal:
        """The principal a valid token names. A session that must change its password first is
        refused (`PasswordChangeRequired`) everywhere but where it changes it (`changing_password`)."""
        principal = self._verify(token)
        if self.revocations.ends(principal):
            raise SessionEnded("this session has ended: sign in again")
        if principal.must_change_password and not changing_password:
            raise PasswordChangeRequired("change the password you were given before you go on")
        return principal

    def _verify(self, token: str) -> Principal:
        known = self._verified.get(token)
        if known is not None:
            principal, expires = known
            if time.time() < expires:
                return principal
            del self._verified[token]
        principal, expires = self._check(token)
        self._verified[token] = (principal, expires)
        if len(self._verified) > VERIFIED_TOKENS:
            self._verified.popitem(last=False)
        return principal

    def _check(self, token: str) -> tuple[Principal, float]:
        try:
            if self._jwks is not None:
                key = self._jwks.get_signing_key_from_jwt(token).key
                claims = jwt.decode(token, key, algorithms=["RS256", "ES256"],
                                    audience=self.settings.oidc_audience, issuer=self.settings.oidc_issuer,
                                    options={"require": ["exp"]})
            else:
                claims = jwt.decode(token, self.settings.secret.get_secret_value(), algorithms=["HS256"],
                                    audience=AUDIENCE, issuer=ISSUER, options={"require": ["exp"]})
        except jwt.PyJWTError as err:
            raise NotAuthenticated(f"token rejected: {type(err).__name__}") from None
        return _principal(claims), float(claims["exp"])

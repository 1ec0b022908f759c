"""A bearer token's signature is checked once and the token then known until it expires: the same
answers as checking every time, for the valid, the expired, the forged and the exp-less token."""

from __future__ import annotations

import time

import jwt
import pytest

from frontdoor_shared import auth
from frontdoor_shared.auth import AUDIENCE, ISSUER, AuthSettings, NotAuthenticated, Principal, Tokens

SECRET = "test-secret-of-at-least-thirty-two-bytes!"


def _tokens() -> Tokens:
    return Tokens(AuthSettings(FRONTDOOR_AUTH_SECRET=SECRET))


def _counting(monkeypatch: pytest.MonkeyPatch) -> list[str]:
    calls: list[str] = []
    real = jwt.decode

    def decode(token: str, *args: object, **kwargs: object) -> object:
        calls.append(token)
        return real(token, *args, **kwargs)  # type: ignore[arg-type]

    monkeypatch.setattr(auth.jwt, "decode", decode)
    return calls


def test_a_token_is_checked_once_then_known(monkeypatch: pytest.MonkeyPatch) -> None:
    tokens = _tokens()
    token = tokens.issue(Principal("partner-1", "partner", scopes=frozenset({"concerns:write"})))
    calls = _counting(monkeypatch)
    first, again = tokens.verify(token), tokens.verify(token)
    assert first == again
    assert first.subject == "partner-1"
    assert first.scopes == frozenset({"concerns:write"})
    assert calls == [token]


def test_a_known_token_stops_working_when_it_expires() -> None:
    tokens = _tokens()
    now = int(time.time())
    token = jwt.encode({"sub": "p", "kind": "partner", "iss": ISSUER, "aud": AUDIENCE, "iat": now, "exp": now + 1},
                       SECRET, algorithm="HS256")
    assert tokens.verify(token).subject == "p"
    time.sleep(max(0.0, now + 1.05 - time.time()))
    with pytest.raises(NotAuthenticated, match="ExpiredSignature"):
        tokens.verify(token)


def test_forged_and_exp_less_tokens_are_refused_every_time(monkeypatch: pytest.MonkeyPatch) -> None:
    tokens = _tokens()
    forged = jwt.encode({"sub": "p", "iss": ISSUER, "aud": AUDIENCE, "exp": int(time.time()) + 600},
                        "another-secret-of-at-least-thirty-two-bytes", algorithm="HS256")
    endless = jwt.encode({"sub": "p", "iss": ISSUER, "aud": AUDIENCE}, SECRET, algorithm="HS256")
    calls = _counting(monkeypatch)
    for _ in range(2):
        with pytest.raises(NotAuthenticated, match="InvalidSignature"):
            tokens.verify(forged)
        with pytest.raises(NotAuthenticated, match="MissingRequiredClaim"):
            tokens.verify(endless)
    assert len(calls) == 4  # nothing refused is remembered


def test_the_memory_is_bounded(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(auth, "VERIFIED_TOKENS", 3)
    tokens = _tokens()
    issued = [tokens.issue(Principal(f"p{i}", "partner")) for i in range(5)]
    for token in issued:
        tokens.verify(token)
    assert list(tokens._verified) == issued[2:]


def test_a_session_that_must_change_its_password_opens_nothing_but_the_change() -> None:
    from frontdoor_shared.access import can_submit_concern
    from frontdoor_shared.auth import PasswordChangeRequired

    tokens = _tokens()
    pending = Principal("user-1", "staff", "referrer", must_change_password=True)
    token = tokens.issue(pending)
    with pytest.raises(PasswordChangeRequired):
        tokens.verify(token)
    with pytest.raises(NotAuthenticated):  # what every other page and API sees: not signed in
        tokens.verify(token)
    assert tokens.verify(token, changing_password=True) == pending
    changed = Principal("user-1", "staff", "referrer")
    assert "chg" not in changed.claims()
    assert can_submit_concern(tokens.verify(tokens.issue(changed)))

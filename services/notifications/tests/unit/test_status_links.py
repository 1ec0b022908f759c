"""A family's private link: long and random, stored only as a hash, expiring, revocable."""

from __future__ import annotations

import hashlib
from dataclasses import replace
from datetime import UTC, datetime, timedelta

from notifications.domain.status_link import StatusLink, looks_like_token, new_token, token_hash

NOW = datetime(2026, 3, 2, tzinfo=UTC)


def test_a_token_is_long_random_and_url_safe() -> None:
    tokens = {new_token() for _ in range(200)}
    assert len(tokens) == 200
    assert all(len(t) >= 43 and looks_like_token(t) for t in tokens)


def test_only_the_hash_is_kept_and_it_does_not_reveal_the_token() -> None:
    token = new_token()
    link = StatusLink.issue(token, NOW, 180)
    assert link.token_hash == hashlib.sha256(token.encode()).hexdigest() == token_hash(token)
    assert token not in link.token_hash


def test_a_link_works_until_it_expires() -> None:
    link = StatusLink.issue(new_token(), NOW, 180)
    assert link.usable(NOW + timedelta(days=179))
    assert not link.usable(NOW + timedelta(days=180))


def test_a_revoked_link_stops_working_at_once() -> None:
    link = replace(StatusLink.issue(new_token(), NOW, 180), revoked_at=NOW + timedelta(minutes=1))
    assert not link.usable(NOW + timedelta(minutes=2))


def test_junk_is_refused_before_any_lookup() -> None:
    assert not looks_like_token("abc")
    assert not looks_like_token("../../etc/passwd" + "a" * 40)
    assert not looks_like_token("a" * 200)

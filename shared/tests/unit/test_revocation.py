"""Sessions that end before their tokens run out: `Tokens.verify` consults the revocations on
every request, a signature check cached or not (the database and broker side: intake's
integration tests and the end-to-end tests)."""

from __future__ import annotations

import time
from datetime import timedelta

import pytest
from pydantic import ValidationError

from frontdoor_shared.auth import AuthSettings, NotAuthenticated, Principal, SessionEnded, Tokens
from frontdoor_shared.contracts import AccessRevokedV1
from frontdoor_shared.revocation import Revocations, micros, moment, revocation


class Clock:
    def __init__(self, now: float = 1_800_000_000.0) -> None:
        self.now = now

    def __call__(self) -> float:
        return self.now


def _tokens() -> Tokens:
    return Tokens(AuthSettings(FRONTDOOR_AUTH_SECRET="unit-test-secret-of-enough-length-0123456789"), Revocations())


STAFF = Principal("user-1", "staff", "referrer")


def test_signing_out_ends_that_session_and_no_other() -> None:
    tokens = _tokens()
    this, other = tokens.issue(STAFF), tokens.issue(STAFF)
    signed_in = tokens.verify(this)  # its signature is now cached: the revocation must still count
    assert signed_in.session_id
    assert signed_in.session_id != tokens.verify(other).session_id
    tokens.revocations.add_event(revocation(signed_in, "signed-out", at=signed_in.issued_at + 5,
                                            this_session_only=True))
    with pytest.raises(SessionEnded):
        tokens.verify(this)
    with pytest.raises(NotAuthenticated):  # what every page and API catches: sign in again
        tokens.verify(this, changing_password=True)
    assert tokens.verify(other) == STAFF


def test_an_account_revoked_at_a_moment_ends_the_tokens_issued_before_it_not_at_or_after() -> None:
    tokens = _tokens()
    at = time.time() - 10.000_000_3
    before, same, after = (tokens.issue(STAFF, at=at - 0.000_001), tokens.issue(STAFF, at=at),
                           tokens.issue(STAFF, at=at + 1))
    tokens.revocations.add_event(revocation(STAFF, "password-changed", at=at))
    with pytest.raises(SessionEnded):
        tokens.verify(before)
    # the session of someone who has just changed their password, issued at that very moment
    assert tokens.verify(same) == STAFF
    assert tokens.verify(after) == STAFF


def test_a_partner_and_a_member_of_staff_with_the_same_id_are_not_confused() -> None:
    tokens = _tokens()
    partner = Principal("user-1", "partner", scopes=frozenset({"concerns:write"}))
    staff_token, partner_token = tokens.issue(STAFF), tokens.issue(partner)
    issued = tokens.verify(staff_token).issued_at
    tokens.revocations.add_event(revocation(partner, "partner-disabled", at=issued + 1))
    with pytest.raises(SessionEnded):
        tokens.verify(partner_token)
    assert tokens.verify(staff_token) == STAFF


def test_a_later_revocation_of_an_account_moves_its_moment_on_an_earlier_one_does_not_move_it_back() -> None:
    memory = Revocations(Clock())
    memory.add_event(revocation(STAFF, "password-reset", at=1_800_000_200.0))
    memory.add_event(revocation(STAFF, "account-disabled", at=1_800_000_100.0))  # arrived late
    ended = Principal("user-1", "staff", issued_at=1_800_000_150.0)
    assert memory.ends(ended)
    assert not memory.ends(Principal("user-1", "staff", issued_at=1_800_000_200.0))


def test_a_revocation_is_forgotten_once_no_token_it_names_can_be_valid() -> None:
    clock = Clock()
    memory = Revocations(clock)
    session = Principal("user-1", "staff", session_id="s" * 22, issued_at=clock.now, expires_at=clock.now + 3600)
    memory.add_event(revocation(session, "signed-out", at=clock.now, this_session_only=True))
    memory.add_event(revocation(STAFF, "account-disabled", at=clock.now, longest_token=timedelta(hours=1)))
    assert len(memory) == 2
    assert memory.ends(session)
    clock.now += 3601  # the session's token has run out: its revocation goes with the next one added
    memory.add_event(revocation(Principal("user-2", "staff"), "password-reset", at=clock.now))
    assert len(memory) == 2  # the account's is kept a day at least (a provider's token may live longer)
    clock.now += 86_400
    memory.add_event(revocation(Principal("user-3", "staff"), "password-reset", at=clock.now))
    assert len(memory) == 1


def test_times_are_compared_in_whole_microseconds_both_ways() -> None:
    at = 1_800_000_100.123_456_7
    assert micros(at) == 1_800_000_100_123_456
    assert micros(moment(micros(at)).timestamp()) == micros(at)


def test_the_event_names_an_account_and_a_session_never_a_token_and_refuses_nonsense() -> None:
    session = Principal("user-1", "staff", session_id="abcdefghijklmnopqrstuv", issued_at=1.0, expires_at=3601.0)
    data = revocation(session, "signed-out", at=100.0, this_session_only=True)
    assert data.model_dump(mode="json").keys() == {"kind", "subject", "session_id", "revoked_at", "until", "reason"}
    assert data.until == moment(micros(3601.0))
    with pytest.raises(ValidationError, match="until must not be before revoked_at"):
        AccessRevokedV1(kind="staff", subject="user-1", revoked_at=moment(10), until=moment(5), reason="signed-out")
    with pytest.raises(ValueError, match="no sid"):
        revocation(STAFF, "signed-out", at=100.0, this_session_only=True)
    with pytest.raises(ValueError, match="not 'operator'"):
        revocation(Principal("operator:root", "operator"), "password-reset", at=100.0)


def test_a_session_ended_here_only_is_refused_here_and_a_token_without_one_says_so() -> None:
    tokens = _tokens()
    token = tokens.issue(STAFF)
    assert tokens.revocations.end_here(tokens.verify(token)) is True
    with pytest.raises(SessionEnded):
        tokens.verify(token)
    assert tokens.revocations.end_here(STAFF) is False  # no session id: nothing to end

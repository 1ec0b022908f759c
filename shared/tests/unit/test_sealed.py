"""Sealing for one recipient: only the holder of the private key opens it; anything else is a
SealError (which dead-letters the event that carried it), never another exception."""

from __future__ import annotations

import base64

import pytest

from frontdoor_shared import sealed
from frontdoor_shared.sealed import SealError, generate_keypair, open_sealed, public_key_of, seal


def _parts(token: str) -> tuple[bytes, bytes]:
    """(ephemeral public key, nonce) of a token."""
    blob = base64.urlsafe_b64decode(token + "=" * (-len(token) % 4))
    return blob[1:33], blob[33:45]


def test_only_the_recipient_opens_what_was_sealed_for_it() -> None:
    private, public = generate_keypair()
    other_private, _ = generate_keypair()
    token = seal(public, b'{"family": "contact details"}')

    assert open_sealed(private, token) == b'{"family": "contact details"}'
    assert b"contact" not in token.encode()
    with pytest.raises(SealError):
        open_sealed(other_private, token)


def test_each_seal_is_different_and_each_opens() -> None:
    private, public = generate_keypair()
    tokens = {seal(public, b"same") for _ in range(3)}  # a fresh nonce each time

    assert len(tokens) == 3
    assert {open_sealed(private, t) for t in tokens} == {b"same"}


@pytest.mark.parametrize("spoil", [lambda t: t[:-4], lambda t: t[:20] + ("A" if t[20] != "A" else "B") + t[21:],
                                   lambda t: "AA" + t[2:]])
def test_tampered_or_truncated_data_is_a_seal_error(spoil) -> None:  # type: ignore[no-untyped-def]
    private, public = generate_keypair()
    with pytest.raises(SealError):
        open_sealed(private, spoil(seal(public, b"x" * 40)))


def test_a_malformed_private_key_is_a_seal_error_not_a_crash() -> None:
    _, public = generate_keypair()
    with pytest.raises(SealError):
        open_sealed("not-a-key", seal(public, b"x"))


def test_the_public_key_is_derived_from_the_private_one() -> None:
    private, public = generate_keypair()
    assert public_key_of(private) == public


def test_one_ephemeral_key_serves_a_bounded_number_of_seals(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(sealed, "EPHEMERAL_USES", 3)
    private, public = generate_keypair()
    tokens = [seal(public, f"message {i}".encode()) for i in range(7)]
    ephemerals = [_parts(t)[0] for t in tokens]

    assert ephemerals[0] == ephemerals[1] == ephemerals[2] != ephemerals[3]  # a new key after three
    assert ephemerals[3] == ephemerals[5] != ephemerals[6]
    assert len({_parts(t)[1] for t in tokens}) == 7  # never a nonce twice
    assert [open_sealed(private, t) for t in tokens] == [f"message {i}".encode() for i in range(7)]


def test_an_ephemeral_key_is_retired_after_its_time(monkeypatch: pytest.MonkeyPatch) -> None:
    clock = [1000.0]
    monkeypatch.setattr(sealed.time, "monotonic", lambda: clock[0])
    private, public = generate_keypair()
    first = seal(public, b"a")
    clock[0] += sealed.EPHEMERAL_SECONDS - 1
    same = seal(public, b"b")
    clock[0] += 1
    later = seal(public, b"c")

    assert _parts(first)[0] == _parts(same)[0] != _parts(later)[0]
    assert open_sealed(private, later) == b"c"


def test_recipients_never_share_an_ephemeral_key() -> None:
    private_a, public_a = generate_keypair()
    private_b, public_b = generate_keypair()
    to_a, to_b = seal(public_a, b"for a"), seal(public_b, b"for b")

    assert _parts(to_a)[0] != _parts(to_b)[0]
    assert open_sealed(private_a, to_a) == b"for a"
    assert open_sealed(private_b, to_b) == b"for b"
    with pytest.raises(SealError):
        open_sealed(private_b, to_a)


def test_ephemeral_keys_are_kept_for_a_bounded_number_of_recipients() -> None:
    pairs = [generate_keypair() for _ in range(sealed._RECIPIENTS_KEPT * 2 + 1)]
    tokens = [seal(public, b"x") for _, public in pairs]

    assert len(sealed._ephemeral) <= sealed._RECIPIENTS_KEPT
    assert all(open_sealed(private, token) == b"x" for (private, _), token in zip(pairs, tokens, strict=True))

"""Sealing for one recipient: only the holder of the private key opens it; anything else is a
SealError (which dead-letters the event that carried it), never another exception."""

from __future__ import annotations

import pytest

from frontdoor_shared.sealed import SealError, generate_keypair, open_sealed, public_key_of, seal


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
    tokens = {seal(public, b"same") for _ in range(3)}  # a fresh ephemeral key and nonce each time

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

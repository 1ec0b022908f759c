"""The concern reference a family reads out over the phone."""

from __future__ import annotations

import re
from collections import Counter

from intake.domain.model import _ALPHABET, new_reference


def test_a_reference_reads_as_fd_then_two_groups_of_four_from_the_readable_alphabet() -> None:
    for _ in range(200):
        reference = new_reference()
        assert re.fullmatch(r"FD-[0-9A-HJKMNP-TV-Z]{4}-[0-9A-HJKMNP-TV-Z]{4}", reference), reference
        assert not set(reference[3:].replace("-", "")) & set("ILOU")


def test_every_character_of_the_alphabet_comes_up_in_every_position_and_references_do_not_repeat() -> None:
    references = [r[3:7] + r[8:] for r in (new_reference() for _ in range(4000))]
    assert len(set(references)) == len(references)
    for position in range(8):
        seen = Counter(r[position] for r in references)
        assert set(seen) == set(_ALPHABET), position  # 4,000 draws: each of 32 expected 125 times
        assert min(seen.values()) > 60, (position, seen)
        assert max(seen.values()) < 200, (position, seen)

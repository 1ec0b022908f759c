"""When the panel may decide: enough members, from enough agencies, the chair among them."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass


@dataclass(frozen=True)
class Attendee:
    """A member present at a meeting, with the agency they speak for."""

    subject: str
    agency: str
    chair: bool = False


def _count(n: int, one: str, many: str) -> str:
    return f"{n} {one if n == 1 else many}"


@dataclass(frozen=True)
class QuorumRule:
    """Configurable; by default at least three members from at least two agencies, the chair among them."""

    min_members: int = 3
    min_agencies: int = 2
    chair_required: bool = True

    def check(self, present: Sequence[Attendee]) -> Quorum:
        return Quorum(rule=self, members=len({a.subject for a in present}),
                      agencies=len({a.agency for a in present}), chair_present=any(a.chair for a in present))

    def describe(self) -> str:
        chair = ", the chair among them" if self.chair_required else ""
        return (f"at least {_count(self.min_members, 'member', 'members')} from at least "
                f"{_count(self.min_agencies, 'agency', 'agencies')}{chair}")


@dataclass(frozen=True)
class Quorum:
    rule: QuorumRule
    members: int
    agencies: int
    chair_present: bool

    @property
    def quorate(self) -> bool:
        return (self.members >= self.rule.min_members and self.agencies >= self.rule.min_agencies
                and (self.chair_present or not self.rule.chair_required))

    def present(self) -> str:
        return (f"{_count(self.members, 'member', 'members')} from "
                f"{_count(self.agencies, 'agency', 'agencies')}")

    def explanation(self) -> str:
        """Why the panel may or may not decide, in words a chair can act on."""
        if self.quorate:
            return f"The panel is quorate: present: {self.present()}."
        chair = "; the chair must be present" if self.rule.chair_required and not self.chair_present else ""
        return f"The panel is not quorate: it needs {self.rule.describe()}. Present: {self.present()}{chair}."

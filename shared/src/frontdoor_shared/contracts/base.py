"""The base of every integration contract.

A contract is owned by its producer, versioned in its type and topic, and frozen once published:
a breaking change is a new module with a new version, never an edit (tests/contracts checks the
committed JSON Schemas). Consumers ignore fields they do not know.
"""

from __future__ import annotations

from typing import ClassVar

from pydantic import BaseModel, ConfigDict


class Contract(BaseModel):
    """An event payload: references, codes, ages in months, ranges and flags; never identifiers."""

    model_config = ConfigDict(extra="ignore", frozen=True)

    TYPE: ClassVar[str]
    TOPIC: ClassVar[str]
    VERSION: ClassVar[int]

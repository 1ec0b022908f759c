"""Value types shared by several contracts. Changing one changes every contract that uses it."""

from __future__ import annotations

from datetime import date
from typing import Annotated, Literal

from pydantic import BaseModel, ConfigDict, Field

Area = Literal["C&I", "C&L", "SEMH", "S&P"]
NeedCode = Literal[
    "SPLD", "MLD", "SLD", "PMLD", "SEMH", "SLCN", "ASD", "HI", "VI", "MSI", "PD", "DS", "OTH", "NSA"
]
# The names behind the codes, as a referrer reads them on the form and a panel member on a case
NEED_NAMES: dict[str, str] = {
    "SLCN": "Speech, language and communication needs",
    "ASD": "Autistic spectrum disorder",
    "SEMH": "Social, emotional and mental health",
    "SPLD": "Specific learning difficulty",
    "MLD": "Moderate learning difficulty",
    "SLD": "Severe learning difficulty",
    "PMLD": "Profound and multiple learning difficulty",
    "HI": "Hearing impairment",
    "VI": "Vision impairment",
    "MSI": "Multi-sensory impairment",
    "PD": "Physical disability",
    "DS": "Down syndrome",
    "OTH": "Other difficulty or disability",
    "NSA": "SEN support but no specialist assessment of the type of need",
}


def need_names(codes: list[str] | tuple[str, ...] | None) -> str:
    """Need codes as their names, in the order given ("Speech, language and communication needs; ...")."""
    return "; ".join(NEED_NAMES.get(code, code) for code in codes or ())


Pathway = Literal["slcn", "outreach", "sen-support", "statutory", "universal-advice"]
Priority = Literal["urgent", "high", "routine"]

# The statutory clock (frontdoor_shared.statutory), on the events that route a concern
ReceivedOn = Annotated[date | None, Field(description=(
    "The day in England the council received the concern: the statutory clocks run from it "
    "(added later, so absent from older events)"))]
StatutoryDecisionDue = Annotated[date | None, Field(description=(
    "On the statutory pathway: the last day to decide whether to carry out an EHC needs assessment and "
    "tell the family, 6 weeks from received_on (SEND Regulations 2014, reg 5(1)); absent on other pathways"))]


class AreaRange(BaseModel):
    """The range (level of need, 1-7) judged for one broad area of need."""

    model_config = ConfigDict(extra="ignore", frozen=True)

    area: Area = Field(description="Broad area of need: C&I, C&L, SEMH or S&P")
    range: int = Field(ge=1, le=7, description="Level of need on the council's scale (1-7)")


class Reason(BaseModel):
    """One rule that fired, with the descriptor text behind it, readable by a family."""

    model_config = ConfigDict(extra="ignore", frozen=True)

    rule: str = Field(max_length=100, description="Identifier of the rule in the policy")
    text: str = Field(max_length=2000, description="The descriptor or guidance text behind the rule")


class Screening(BaseModel):
    """A structured screening result (tool and outcome only, no free text)."""

    model_config = ConfigDict(extra="ignore", frozen=True)

    tool: Literal["ASQ-3", "ASQ:SE-2", "WellComm"] = Field(description="Screening tool")
    outcome: Literal["red", "amber", "green", "below-cutoff", "monitoring", "above-cutoff"] = Field(
        description="Outcome band as the tool reports it"
    )
    area: Area | None = Field(default=None, description="Area of need the result speaks to")

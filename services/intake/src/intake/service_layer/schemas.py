"""The one shape of a concern, whichever door it came through (API, form, FHIR, partner event).

Every door maps its input to `ConcernIn` and validation happens here once: pydantic checks the
shape, the domain checks (`intake.domain.checks`) check identifiers, dates and code lists.
Each failure names the field and says how to fix it; no message echoes the value given.
"""

from __future__ import annotations

from datetime import date
from typing import Annotated, Literal

from pydantic import BaseModel, ConfigDict, EmailStr, Field, field_validator, model_validator

from frontdoor_shared.contracts.common import AreaRange, NeedCode, Priority, Screening
from intake.domain import checks

Name = Annotated[str, Field(min_length=1, max_length=100)]
Phone = Annotated[str, Field(min_length=6, max_length=20, pattern=r"^\+?[0-9 ()-]{6,20}$")]
ReferrerRole = Literal[
    "health-visitor", "gp", "nhs-therapist", "paediatrician", "early-years-practitioner",
    "early-years-senco", "school-senco", "social-worker", "parent-carer", "partner-agency", "other",
]
NHS_ROLES = frozenset({"health-visitor", "gp", "nhs-therapist", "paediatrician"})
Agency = Literal["health", "early-years", "education", "social-care", "speech-and-language",
                 "educational-psychology", "portage", "voluntary-sector"]


class _Strict(BaseModel):
    model_config = ConfigDict(extra="forbid", str_strip_whitespace=True)


class Setting(_Strict):
    name: Name = Field(description="Early-years setting or school")
    urn: str | None = Field(default=None, description="Ofsted or school URN (6-7 digits)")

    @field_validator("urn")
    @classmethod
    def _urn(cls, v: str | None) -> str | None:
        return None if v is None else checks.check_school_urn(v, "urn")


class Child(_Strict):
    given_name: Name
    family_name: Name
    date_of_birth: date | None = Field(default=None, description="Required unless pre-birth")
    expected_delivery_date: date | None = Field(default=None, description="For a pre-birth concern")
    nhs_number: str | None = Field(default=None, description="10 digits, modulus 11 checked")
    upn: str | None = Field(default=None, description="Unique pupil number, 13 characters")
    sex: Literal["female", "male", "indeterminate", "not-known"] = "not-known"
    postcode: str = Field(description="Home postcode")
    setting: Setting | None = None

    @field_validator("nhs_number")
    @classmethod
    def _nhs(cls, v: str | None) -> str | None:
        return None if v is None else checks.normalise_nhs_number(v, "nhs_number")

    @field_validator("upn")
    @classmethod
    def _upn(cls, v: str | None) -> str | None:
        return None if v is None else checks.normalise_upn(v, "upn")

    @field_validator("postcode")
    @classmethod
    def _postcode(cls, v: str) -> str:
        return checks.normalise_postcode(v, "postcode")

    @model_validator(mode="after")
    def _born_or_expected(self) -> Child:
        if (self.date_of_birth is None) == (self.expected_delivery_date is None):
            raise ValueError("give date_of_birth, or expected_delivery_date for a pre-birth concern, not both")
        return self


class Carer(_Strict):
    given_name: Name
    family_name: Name
    relationship: Literal["mother", "father", "parent", "carer", "guardian", "foster-carer", "other"]
    email: EmailStr | None = None
    phone: Phone | None = None
    address: str | None = Field(default=None, max_length=300, description="Postal address for letters")


class Family(_Strict):
    carers: list[Carer] = Field(min_length=1, max_length=4)
    preferred_channel: Literal["email", "sms", "letter"] = "email"
    language: str = Field(default="en", min_length=2, max_length=35, pattern=r"^[a-zA-Z]{2,3}(-[a-zA-Z0-9]{1,8})*$",
                          description="BCP 47 language tag, e.g. en, pl, ur")
    interpreter_needed: bool = False
    consent_to_share_with: list[Agency] = Field(default_factory=list)

    @model_validator(mode="after")
    def _reachable(self) -> Family:
        first = self.carers[0]
        needed = {"email": first.email, "sms": first.phone, "letter": first.address}[self.preferred_channel]
        if not needed:
            field = {"email": "email", "sms": "phone", "letter": "address"}[self.preferred_channel]
            raise ValueError(f"carers.0.{field} is needed for the preferred channel {self.preferred_channel}")
        return self


class Referrer(_Strict):
    name: Name
    role: ReferrerRole
    organisation: str = Field(min_length=1, max_length=200)
    ods_code: str | None = Field(default=None, description="NHS ODS code of the organisation")
    school_urn: str | None = None
    email: EmailStr
    phone: Phone | None = None

    @field_validator("ods_code")
    @classmethod
    def _ods(cls, v: str | None) -> str | None:
        return None if v is None else checks.check_ods_code(v, "ods_code")

    @field_validator("school_urn")
    @classmethod
    def _urn(cls, v: str | None) -> str | None:
        return None if v is None else checks.check_school_urn(v, "school_urn")


class Tried(_Strict):
    what: str = Field(min_length=1, max_length=500)
    weeks: int = Field(ge=0, le=520)


class ConcernDetail(_Strict):
    need_codes: list[NeedCode] = Field(min_length=1, max_length=14)
    ranges: list[AreaRange] = Field(default_factory=list, max_length=4)
    tried: list[Tried] = Field(default_factory=list, max_length=20)
    screening: list[Screening] = Field(default_factory=list, max_length=20)
    description: str = Field(min_length=10, max_length=5000)
    urgency: Priority = "routine"
    safeguarding: bool = False
    parent_informed: bool | None = Field(default=None, description="CFA 2014 s.23, NHS referrers")

    @field_validator("need_codes")
    @classmethod
    def _codes(cls, v: list[str]) -> list[str]:
        return checks.check_need_codes(list(v), "need_codes")

    @field_validator("ranges")
    @classmethod
    def _one_range_per_area(cls, v: list[AreaRange]) -> list[AreaRange]:
        areas = [r.area for r in v]
        if len(set(areas)) != len(areas):
            raise ValueError("give at most one range per area of need")
        return v


class ConcernIn(_Strict):
    """A concern about a child, from any door."""

    child: Child
    family: Family
    referrer: Referrer
    concern: ConcernDetail

    @model_validator(mode="after")
    def _nhs_duty(self) -> ConcernIn:
        if self.referrer.role in NHS_ROLES and self.concern.parent_informed is None:
            raise ValueError("concern.parent_informed is required from NHS referrers (CFA 2014 s.23)")
        return self

"""Realistic, mixed concerns for the benchmark, and partner events built from them.

Every concern is about a different test child (NHS numbers in the 999 range, never issued; each
one passes the modulus 11 check), so no two concerns are linked as the same child and the cost of
finding open concerns does not grow with N for a reason real traffic would not have.

The mix (seeded, so every run offers the same work) covers each final state of the flow:
- about half the children are under 60 months: triaged `panel`, then listed for the early-years
  inclusion panel (family told twice more: triaged-panel, case-listed);
- most of the rest are routed, over every pathway (universal advice, SEN support, SLCN, outreach,
  statutory) according to the ranges given;
- about 1 in 8 lacks evidence the policy asks for (a range for a named area, support tried for 6
  weeks at range 3+, or a screening result for a young child): more information needed;
- about 1 in 40 carries a safeguarding flag: escalated to the safeguarding front door.
"""

from __future__ import annotations

import functools
import json
import random
import time
import uuid
from dataclasses import dataclass
from datetime import UTC, date, datetime, timedelta
from typing import Any

# The final state of the flow as intake's status history records it, and the message that tells of
# it. A concern is complete when both are in intake's history: the message's `<audience>-notified`
# line comes back from notifications only after it was sent. The family is told of every final
# state except safeguarding, where nothing automatic goes to the family (a message could warn a
# harmful adult) and the council's safeguarding team is told instead (audience "panel" = staff).
FINAL_NOTICES: dict[str, tuple[str, ...]] = {
    "routed": ("family/concern-triaged-routed",),
    "listed-for-panel": ("family/case-listed",),
    "more-information-needed": ("family/concern-triaged-more-information-needed",),
    "escalated-to-safeguarding": ("staff/safeguarding-escalated", "family/concern-triaged-safeguarding"),
}
NOTICE_TEMPLATES = frozenset(t for ts in FINAL_NOTICES.values() for t in ts)

AREA_CODES = {"C&I": ["SLCN", "ASD"], "C&L": ["MLD", "SPLD", "SLD"], "SEMH": ["SEMH"], "S&P": ["HI", "VI", "PD"]}
POSTCODES = ["SW1A 1AA", "M1 1AE", "B33 8TH", "CR2 6XH", "DN55 1PT", "LS1 4AP", "EC1A 1BB", "W1A 0AX",
             "NE1 4ST", "BS1 5TR", "CF10 1EP", "L1 8JQ", "NG1 5FS", "S1 2HE", "OX1 2JD", "CB2 1TN"]
GIVEN = ["Amara", "Oliver", "Zainab", "Noah", "Maya", "Leo", "Aisha", "Jack", "Freya", "Yusuf", "Isla", "Theo",
         "Ava", "Arlo", "Sofia", "Ibrahim", "Ella", "Oscar", "Mila", "Reuben", "Hana", "Kacper", "Ruby", "Dev"]
CARERS = ["Grace", "Sam", "Fatima", "Tom", "Priya", "Marek", "Joy", "Ahmed", "Claire", "Daniel", "Nia", "Lewis"]
SETTINGS = ["Little Acorns Nursery", "Riverside Children's Centre", "St Mary's Primary School",
            "Oak Tree Pre-school", "Hillside Academy", "Rainbow Day Nursery", "Meadow Lane Infants"]
LANGUAGES = ["en", "en", "en", "en", "pl", "ur", "ar", "ro", "so"]
REFERRERS = [("health-visitor", "Model NHS Trust", "RX1"), ("gp", "Riverside Surgery", "A81001"),
             ("paediatrician", "Model Children's Hospital", "RJ1"), ("nhs-therapist", "Model NHS Trust", "RX1"),
             ("early-years-senco", "Little Acorns Nursery", None), ("school-senco", "St Mary's Primary School", None),
             ("early-years-practitioner", "Rainbow Day Nursery", None)]
TRIED = ["Small group language sessions at nursery", "Visual timetable and now-and-next board",
         "One-to-one key person time each morning", "Speech and language therapy advice followed at home",
         "Sensory breaks and a quiet space", "Nurture group twice a week", "Phonics catch-up in a small group",
         "Adapted seating and a writing slope", "Social stories before transitions"]
SENTENCES = [
    "Uses very few words for their age and is often frustrated when not understood.",
    "Finds it hard to join in play with other children and prefers to play alone.",
    "Struggles to follow simple two-step instructions even with visual prompts.",
    "Becomes very distressed at transitions, such as tidy-up time and going home.",
    "Has made little progress with early number and letter recognition this year.",
    "Parents report poor sleep and difficulty settling, which affects the whole family.",
    "Hearing was checked last term; the audiology report asks the setting to monitor.",
    "Needs adult help with toileting and dressing beyond what is usual at this age.",
    "Speech is hard for unfamiliar adults to understand; sounds are often replaced.",
    "Attention is very short: moves quickly between activities and rarely finishes one.",
    "The family would like advice on how best to support communication at home.",
    "Staff have used the setting's graduated approach and reviewed it with the family.",
]


class NhsNumbers:
    """Valid, unique 999-range NHS numbers, handed out in order (cheap: one pass)."""

    def __init__(self) -> None:
        self._k = 0

    def next(self) -> str:
        while True:
            digits = [int(c) for c in str(999_000_000 + self._k)]
            self._k += 1
            total = sum(d * (10 - i) for i, d in enumerate(digits))
            check = 11 - total % 11
            check = 0 if check == 11 else check
            if check != 10:
                s = f"{999_000_000 + self._k - 1}{check}"
                return f"{s[:3]} {s[3:6]} {s[6:]}"


def _letters(i: int) -> str:
    out = ""
    i += 1
    while i:
        i, r = divmod(i - 1, 26)
        out = chr(97 + r) + out
    return out


@dataclass
class Workload:
    """Builds concern bodies; `kind` is what the bench expects (for the mix it reports)."""

    seed: int = 7

    def __post_init__(self) -> None:
        self._rng = random.Random(self.seed)
        self._nhs = NhsNumbers()
        self._i = 0

    def concern(self, *, safeguarding_share: float = 0.025, missing_share: float = 0.12) -> dict[str, Any]:
        rng, i = self._rng, self._i
        self._i += 1
        age = rng.randint(6, 59) if rng.random() < 0.5 else rng.randint(60, 120)
        dob = date.today() - timedelta(days=int(age * 30.44) + 3)
        roll = rng.random()
        safeguarding = roll < safeguarding_share
        missing = (not safeguarding) and roll < safeguarding_share + missing_share
        areas = rng.sample(list(AREA_CODES), k=rng.choice([1, 1, 1, 2, 2, 3]))
        codes = [rng.choice(AREA_CODES[a]) for a in areas]
        if rng.random() < 0.1:
            codes.append("OTH")
        level_roll = rng.random()
        top = 1 + (level_roll > 0.12) + (level_roll > 0.3) + (level_roll > 0.65) + (level_roll > 0.85) \
            + (level_roll > 0.95)
        ranges: list[dict[str, Any]] = [{"area": a, "range": max(1, top - rng.randint(0, 1) if j else top)}
                                        for j, a in enumerate(areas)]
        weeks = rng.randint(6, 40)
        tried = [{"what": rng.choice(TRIED), "weeks": weeks}] + [
            {"what": rng.choice(TRIED), "weeks": rng.randint(2, weeks)} for _ in range(rng.randint(0, 2))]
        screening: list[dict[str, Any]] = []
        if "C&I" in areas or age < 60:
            outcome = rng.choice(["red", "red", "amber", "green"])
            screening.append({"tool": "WellComm", "outcome": outcome, "area": "C&I"})
        if rng.random() < 0.3:
            screening.append({"tool": "ASQ-3", "outcome": rng.choice(["below-cutoff", "monitoring"]),
                              "area": rng.choice(areas)})
        if missing:  # take away one piece of evidence the policy asks for
            what = rng.choice(["range", "tried", "screening"] if age < 60 and "C&I" in areas else ["range", "tried"])
            if what == "range":
                ranges = ranges[1:] if len(ranges) > 1 else []
                if not ranges:
                    codes = codes[:1]
            elif what == "tried":
                ranges[0]["range"] = max(3, int(ranges[0]["range"]))
                tried = [{"what": rng.choice(TRIED), "weeks": rng.randint(0, 4)}]
            else:
                screening = [s for s in screening if s["area"] != "C&I" and s["tool"] != "WellComm"]
        role, org, ods = rng.choice(REFERRERS)
        given, carer = rng.choice(GIVEN), rng.choice(CARERS)
        channel = rng.choices(["email", "sms", "letter"], weights=[70, 25, 5])[0]
        desc = " ".join(rng.sample(SENTENCES, k=rng.randint(2, 7)))
        carer_row: dict[str, Any] = {
            "given_name": carer, "family_name": f"Benchparent{_letters(i)}",
            "relationship": rng.choice(["mother", "father", "parent", "carer", "guardian"]),
            "email": f"{carer.lower()}.{_letters(i)}@example.com", "phone": f"07700 9{i % 100000:05d}"}
        if channel == "letter":
            carer_row["address"] = f"{1 + i % 200} Bench Street, Testtown"
        child: dict[str, Any] = {
            "given_name": given, "family_name": f"Benchchild{_letters(i)}", "date_of_birth": dob.isoformat(),
            "sex": rng.choice(["female", "male", "not-known"]), "postcode": rng.choice(POSTCODES),
            "setting": {"name": rng.choice(SETTINGS), "urn": f"{100000 + i % 900000}"}}
        if rng.random() < 0.85:
            child["nhs_number"] = self._nhs.next()
        referrer: dict[str, Any] = {"name": f"{rng.choice(CARERS)} Referrer", "role": role, "organisation": org,
                                    "email": f"referrer{i % 50}@{'nhs' if ods else 'setting'}.example"}
        if ods:
            referrer["ods_code"] = ods
        return {
            "child": child,
            "family": {"carers": [carer_row], "preferred_channel": channel, "language": rng.choice(LANGUAGES),
                       "interpreter_needed": rng.random() < 0.08,
                       "consent_to_share_with": rng.sample(["health", "early-years", "speech-and-language",
                                                            "education", "portage"], k=rng.randint(1, 3))},
            "referrer": referrer,
            "concern": {"need_codes": list(dict.fromkeys(codes)), "ranges": ranges, "tried": tried,
                        "screening": screening, "description": desc,
                        "urgency": rng.choices(["routine", "high", "urgent"], weights=[80, 15, 5])[0],
                        "safeguarding": safeguarding, "parent_informed": True},
        }


def partner_event(jwk: dict[str, Any], body: dict[str, Any], partner: str = "demo-partner") -> bytes:
    """A partner's CloudEvent on partner.concerns.v1: the concern signed by the partner (the demo
    partner's development key) as a nested JWT, in a JWE for intake alone."""
    from intake.adapters.partner_keys import encrypt_for
    from intake.adapters.partner_signing import signed_concern

    event_id = str(uuid.uuid4())
    token = signed_concern(_demo_signing_key(), partner, event_id, body, issued_at=int(time.time()))
    return json.dumps({
        "specversion": "1.0", "id": event_id, "source": f"urn:frontdoor:partner:{partner}",
        "type": "uk.frontdoor.partner.concern.submitted.v1", "time": datetime.now(UTC).isoformat(),
        "datacontenttype": "application/json", "data": {"jwe": encrypt_for(jwk, token.encode(), nested_jwt=True)},
    }).encode()


@functools.cache
def _demo_signing_key() -> Any:
    from intake.adapters.partner_signing import development_signing_key

    return development_signing_key()

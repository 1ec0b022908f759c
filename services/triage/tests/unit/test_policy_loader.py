"""Loading policy files: good ones load, bad ones are refused with the line and the reason."""

from __future__ import annotations

from pathlib import Path

import pytest

from triage.adapters.policy_loader import (
    PolicyError,
    PolicyStore,
    load_policy,
    parse_policy,
    shipped_policy,
)
from triage.domain.policy import AREAS, PATHWAYS

SOURCE = "policies/x.yaml"

LEVELS = "{1: one, 2: two, 3: three, 4: four, 5: five, 6: six, 7: seven}"

GOOD = f"""\
council: Test council
version: test-1
safeguarding_front_door: the test MASH
areas:
  C&I: {{name: Communication and interaction, levels: {LEVELS}}}
  C&L: {{name: Cognition and learning, levels: {LEVELS}}}
  SEMH: {{name: "Social, emotional and mental health", levels: {LEVELS}}}
  S&P: {{name: Sensory and physical, levels: {LEVELS}}}
evidence:
  need_codes_at_least: 1
  tried: {{from_range: 3, weeks_at_least: 6}}
  screening: {{areas: [C&I], age_months_below: 60, tools: [WellComm, ASQ-3]}}
panel:
  name: Test panel
statutory_threshold:
  description: Any area at 5.
  any_of:
    - {{areas: 1, range_at_least: 5}}
rules:
  - id: statutory
    description: Range 5 and above.
    conditions:
      any_area_range_at_least: 5
    result: {{pathway: statutory, priority: high}}
  - id: slcn-red
    description: WellComm red.
    conditions:
      need_codes_any: [SLCN]
      screening_any:
        - {{tool: WellComm, outcome: red}}
    result: {{pathway: slcn, priority: high}}
  - id: support
    description: Range 3 to 4.
    conditions:
      max_range_between: [3, 4]
    result: {{pathway: sen-support, priority: routine}}
  - id: fallback
    fallback: true
    description: Anything else.
    result: {{pathway: universal-advice, priority: routine}}
"""


def line_of(text: str, needle: str) -> int:
    """1-based number of the line of ``text`` holding ``needle``."""
    before = text[: text.index(needle)]
    return before.count("\n") + 1


def refusal(text: str) -> str:
    with pytest.raises(PolicyError) as caught:
        parse_policy(text, SOURCE)
    return str(caught.value)


def test_the_minimal_test_policy_loads() -> None:
    policy = parse_policy(GOOD, SOURCE)

    assert policy.version == "test-1"
    assert [area.code for area in policy.areas] == list(AREAS)
    assert policy.area("SEMH").descriptor(7) == "seven"
    assert policy.rules[-1].fallback
    assert policy.rules[1].conditions.screening_any[0].tool == "WellComm"
    assert policy.rules[2].conditions.max_range_between == (3, 4)
    assert policy.panel.panel_for_school_age is False


@pytest.mark.parametrize("name", ["default", "example-council-b"])
def test_both_shipped_policies_load(name: str) -> None:
    policy = load_policy(shipped_policy(name))

    assert policy.version
    assert {rule.result.pathway for rule in policy.rules} <= set(PATHWAYS)
    assert all(len(area.descriptors) == 7 for area in policy.areas)


def test_the_shipped_policies_live_inside_the_package_so_they_ship_in_the_wheel() -> None:
    package = Path(__file__).resolve().parents[2] / "src" / "triage"

    assert shipped_policy("default").parent == package / "policies"
    assert shipped_policy("example-council-b").is_file()


def test_the_default_policy_covers_every_pathway() -> None:
    policy = load_policy(shipped_policy("default"))

    assert {rule.result.pathway for rule in policy.rules} == set(PATHWAYS)


BAD_POLICIES = [
    (
        "an unknown pathway",
        "pathway: slcn,",
        "pathway: slcn2,",
        "pathway: slcn2",
        "rules[1].result.pathway: 'slcn2' is not one of slcn, outreach, sen-support, "
        "statutory, universal-advice",
    ),
    (
        "an unknown priority",
        "pathway: statutory, priority: high",
        "pathway: statutory, priority: asap",
        "priority: asap",
        "rules[0].result.priority: 'asap' is not one of urgent, high, routine",
    ),
    (
        "a misspelt key",
        "      max_range_between: [3, 4]",
        "      max_range_betwen: [3, 4]",
        "max_range_betwen",
        "rules[2].conditions.max_range_betwen: unknown key 'max_range_betwen'",
    ),
    (
        "an unknown top-level key",
        "panel:\n",
        "pannel: {}\npanel:\n",
        "pannel",
        "pannel: unknown key 'pannel'",
    ),
    (
        "an unknown need code",
        "need_codes_any: [SLCN]",
        "need_codes_any: [SCLN]",
        "SCLN",
        "rules[1].conditions.need_codes_any[0]: 'SCLN' is not one of SPLD, MLD",
    ),
    (
        "an unknown area of need",
        "areas: [C&I]",
        "areas: [C&X]",
        "C&X",
        "evidence.screening.areas[0]: 'C&X' is not one of C&I, C&L, SEMH, S&P",
    ),
    (
        "an unknown screening tool",
        "tools: [WellComm, ASQ-3]",
        "tools: [WellComm, ASQ-4]",
        "ASQ-4",
        "evidence.screening.tools[1]: 'ASQ-4' is not one of WellComm, ASQ-3, ASQ:SE-2",
    ),
    (
        "an outcome the screening tool does not report",
        "{tool: WellComm, outcome: red}",
        "{tool: WellComm, outcome: below-cutoff}",
        "outcome: below-cutoff",
        "WellComm reports red, amber, green, not 'below-cutoff'",
    ),
    (
        "a range above 7",
        "any_area_range_at_least: 5",
        "any_area_range_at_least: 8",
        "any_area_range_at_least: 8",
        "rules[0].conditions.any_area_range_at_least: must be 7 or less, got 8",
    ),
    (
        "a range given as words",
        "any_area_range_at_least: 5",
        "any_area_range_at_least: five",
        "any_area_range_at_least: five",
        "expected a whole number, got 'five'",
    ),
    (
        "a range band given high to low",
        "max_range_between: [3, 4]",
        "max_range_between: [4, 3]",
        "[4, 3]",
        "rules[2].conditions.max_range_between: give the lower range first",
    ),
    (
        "a level missing from an area",
        '  SEMH: {name: "Social, emotional and mental health", levels: {1: one, 2: two, '
        "3: three, 4: four, 5: five, 6: six, 7: seven}}",
        '  SEMH: {name: "Social, emotional and mental health", levels: {1: one, 2: two, '
        "3: three, 4: four, 6: six, 7: seven}}",
        "  SEMH:",
        "areas.SEMH.levels: levels 1 to 7 each need one descriptor; missing 5",
    ),
    (
        "a level 8",
        "  S&P: {name: Sensory and physical, levels: {1: one, 2: two, 3: three, 4: four, "
        "5: five, 6: six, 7: seven}}",
        "  S&P: {name: Sensory and physical, levels: {1: one, 2: two, 3: three, 4: four, "
        "5: five, 6: six, 7: seven, 8: eight}}",
        "  S&P:",
        "areas.S&P.levels: levels 1 to 7 each need one descriptor; no level 8",
    ),
    (
        "an area missing",
        "  S&P: {name: Sensory and physical, levels: {1: one, 2: two, 3: three, 4: four, "
        "5: five, 6: six, 7: seven}}\n",
        "",
        "areas:",
        "areas: all four areas of need need descriptors; missing S&P",
    ),
    (
        "a missing version",
        "version: test-1\n",
        "",
        "council:",
        "'version' is required",
    ),
    (
        "a duplicate rule id",
        "  - id: support",
        "  - id: slcn-red",
        "  - id: slcn-red\n    description: Range 3",
        "rules[2].id: rule id 'slcn-red' is already used by rules[1]",
    ),
    (
        "no fallback rule",
        "    fallback: true\n",
        "    fallback: false\n",
        "rules:\n",
        "rules: exactly one rule must be the fallback (fallback: true); there is none",
    ),
    (
        "two fallback rules",
        "  - id: support\n",
        "  - id: support\n    fallback: true\n",
        "fallback: true\n    description: Anything",
        "rules[3].fallback: exactly one fallback rule is allowed; rules[2] is one already",
    ),
    (
        "a rule with no conditions that is not the fallback",
        "    conditions:\n      max_range_between: [3, 4]\n",
        "",
        "  - id: support",
        "rules[2]: a rule without conditions matches every concern",
    ),
    (
        "a fallback rule with conditions",
        "    fallback: true\n",
        "    fallback: true\n    conditions: {age_months_below: 60}\n",
        "conditions: {age_months_below: 60}",
        "rules[3].conditions: the fallback rule takes no conditions",
    ),
    (
        "a key given twice",
        "  need_codes_at_least: 1\n",
        "  need_codes_at_least: 1\n  need_codes_at_least: 2\n",
        "need_codes_at_least: 2",
        "evidence.need_codes_at_least: key given twice (first at line 10)",
    ),
    (
        "broken YAML",
        "panel:\n  name: Test panel",
        "panel:\n  name: [Test panel",
        "statutory_threshold:",
        "not valid YAML: expected ',' or ']', but got ':'",
    ),
]


@pytest.mark.parametrize(
    ("story", "old", "new", "marker", "reason"),
    BAD_POLICIES,
    ids=[row[0] for row in BAD_POLICIES],
)
def test_a_bad_policy_is_refused_with_its_line_and_reason(
    story: str, old: str, new: str, marker: str, reason: str
) -> None:
    assert old in GOOD, f"test setup: {old!r} not in the good policy"
    bad = GOOD.replace(old, new, 1)

    message = refusal(bad)

    assert f"{SOURCE} line {line_of(bad, marker)}: " in message
    assert reason in message


def test_a_fallback_rule_that_is_not_last_is_refused_because_later_rules_could_never_fire() -> None:
    fallback = (
        "  - id: fallback\n    fallback: true\n    description: Anything else.\n"
        "    result: {pathway: universal-advice, priority: routine}\n"
    )
    bad = GOOD.replace(fallback, "").replace("rules:\n", "rules:\n" + fallback)

    message = refusal(bad)

    assert f"line {line_of(bad, 'fallback: true')}: rules[0].fallback: the fallback rule must " in (
        message
    )


def test_every_fault_in_a_file_is_reported_in_line_order() -> None:
    bad = GOOD.replace("priority: high}", "priority: asap}").replace(
        "tools: [WellComm", "tools: [Well"
    )

    problems = refusal(bad).splitlines()

    assert len(problems) == 3
    assert "evidence.screening.tools[0]" in problems[0]
    assert "rules[0].result.priority" in problems[1]
    assert "rules[1].result.priority" in problems[2]


def test_an_empty_file_is_refused() -> None:
    assert refusal("# nothing here\n") == f"{SOURCE} line 1: the policy file is empty"


def test_a_file_that_is_not_a_mapping_is_refused() -> None:
    assert "expected a mapping of keys to values" in refusal("- just\n- a list\n")


def test_load_policy_names_the_file_in_the_error(tmp_path: Path) -> None:
    path = tmp_path / "council.yaml"
    path.write_text(GOOD.replace("pathway: slcn,", "pathway: slcn2,"), encoding="utf-8")

    line = line_of(GOOD, "pathway: slcn,")

    with pytest.raises(
        PolicyError, match=rf"council\.yaml line {line}: rules\[1\]\.result\.pathway"
    ):
        load_policy(path)


def test_load_policy_refuses_a_file_that_does_not_exist(tmp_path: Path) -> None:
    with pytest.raises(PolicyError, match="cannot read the policy file"):
        load_policy(tmp_path / "missing.yaml")


def test_a_policy_error_is_a_value_error() -> None:
    assert issubclass(PolicyError, ValueError)


# --- PolicyStore ---------------------------------------------------------------------------


def test_the_store_puts_a_good_reload_in_force(tmp_path: Path) -> None:
    store = PolicyStore.from_path(shipped_policy("default"))
    newer = tmp_path / "newer.yaml"
    newer.write_text(GOOD, encoding="utf-8")

    returned = store.reload(newer)

    assert store.current is returned
    assert store.current.version == "test-1"


def test_the_store_keeps_the_old_policy_when_a_reload_fails(tmp_path: Path) -> None:
    store = PolicyStore.from_path(shipped_policy("default"))
    before = store.current
    broken = tmp_path / "broken.yaml"
    broken.write_text(GOOD.replace("version: test-1", "version: test-2\nversoin: x"), "utf-8")

    with pytest.raises(PolicyError, match=r"broken\.yaml line 3: versoin: unknown key"):
        store.reload(broken)

    assert store.current is before
    assert store.current.version == "default-2026.1"


def test_an_empty_store_loads_its_first_policy_by_reload() -> None:
    store = PolicyStore()
    with pytest.raises(LookupError):
        _ = store.current

    store.reload(shipped_policy("example-council-b"))

    assert store.current.version == "council-b-2026.1"

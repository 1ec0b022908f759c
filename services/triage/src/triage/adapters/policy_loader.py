"""Read a council's ranges policy from YAML, refusing a bad one with the line and the reason.

The YAML is composed into nodes first, so every key and list item keeps the line it came from;
the structure is then checked with pydantic models (unknown keys forbidden) and a few checks
across rules. A bad policy raises ``PolicyError`` naming the file, the line and the reason, e.g.
``policies/x.yaml line 42: rules[3].result.pathway: 'slcn2' is not one of slcn, outreach, ...``.
"""

from __future__ import annotations

import threading
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Annotated, Any

import yaml
from pydantic import (
    AfterValidator,
    BaseModel,
    ConfigDict,
    Field,
    ValidationError,
    ValidationInfo,
    field_validator,
)
from pydantic_core import PydanticCustomError

from triage.domain.policy import (
    AREAS,
    LEVELS,
    NEED_CODE_AREAS,
    PATHWAYS,
    PRIORITIES,
    SCREENING_OUTCOMES,
    AreasAtLeast,
    AreaScale,
    Conditions,
    EvidenceRequirements,
    PanelSettings,
    Policy,
    Rule,
    RuleResult,
    ScreeningMatch,
    ScreeningRequirement,
    StatutoryThreshold,
    TriedRequirement,
)

SHIPPED_POLICIES = Path(__file__).resolve().parent.parent / "policies"

Loc = tuple[str | int, ...]


class PolicyError(ValueError):
    """A policy file that cannot be used. ``problems`` holds one line per fault found."""

    def __init__(self, problems: list[str]) -> None:
        super().__init__("\n".join(problems))
        self.problems = problems


# --- public API -------------------------------------------------------------------------------


def load_policy(path: Path) -> Policy:
    """Read and check the policy file at ``path``."""
    try:
        text = Path(path).read_text(encoding="utf-8")
    except (OSError, UnicodeDecodeError) as error:
        raise PolicyError([f"{path}: cannot read the policy file: {error}"]) from error
    return parse_policy(text, str(path))


def parse_policy(text: str, source: str) -> Policy:
    """Check policy YAML ``text``; ``source`` names it in error messages."""
    data, lines = _compose(text, source)
    try:
        document = _PolicyDoc.model_validate(data)
    except ValidationError as error:
        raise PolicyError(_describe_errors(error, lines, source)) from None
    problems = list(_rule_problems(document))
    if problems:
        raise PolicyError([_problem(source, lines, where, why) for where, why in problems])
    return _to_policy(document)


def shipped_policy(name: str = "default") -> Path:
    """Path of a policy shipped inside the package, e.g. ``default`` or ``example-council-b``."""
    return SHIPPED_POLICIES / f"{name}.yaml"


class PolicyStore:
    """Holds the policy in force. A bad reload raises PolicyError and the old policy stays."""

    def __init__(self, policy: Policy | None = None) -> None:
        self._policy = policy
        self._lock = threading.Lock()

    @classmethod
    def from_path(cls, path: Path) -> PolicyStore:
        return cls(load_policy(path))

    @property
    def current(self) -> Policy:
        if self._policy is None:
            raise LookupError("no ranges policy has been loaded yet")
        return self._policy

    def reload(self, path: Path) -> Policy:
        """Load ``path`` and put it in force; if it is bad, nothing changes."""
        with self._lock:
            policy = load_policy(path)
            self._policy = policy
            return policy


# --- YAML with line numbers -------------------------------------------------------------------


def _compose(text: str, source: str) -> tuple[Any, dict[Loc, int]]:
    """The YAML as plain data, with the 1-based line of every key and list item."""
    loader = yaml.SafeLoader(text)  # compose only: we walk the nodes, keeping their start lines
    try:
        node = loader.get_single_node()
        if node is None:
            raise PolicyError([f"{source} line 1: the policy file is empty"])
        lines: dict[Loc, int] = {(): node.start_mark.line + 1}
        return _value(loader, node, (), lines, source), lines
    except yaml.MarkedYAMLError as error:
        mark = error.problem_mark or error.context_mark
        line = mark.line + 1 if mark else 1
        raise PolicyError([f"{source} line {line}: not valid YAML: {error.problem}"]) from None
    except yaml.YAMLError as error:
        raise PolicyError([f"{source}: not valid YAML: {error}"]) from None
    finally:
        loader.dispose()


def _value(
    loader: yaml.SafeLoader, node: yaml.Node, path: Loc, lines: dict[Loc, int], source: str
) -> Any:
    if isinstance(node, yaml.MappingNode):
        return _mapping(loader, node, path, lines, source)
    if isinstance(node, yaml.SequenceNode):
        return _sequence(loader, node, path, lines, source)
    return loader.construct_object(node, deep=True)


def _mapping(
    loader: yaml.SafeLoader, node: yaml.MappingNode, path: Loc, lines: dict[Loc, int], source: str
) -> dict[Any, Any]:
    loader.flatten_mapping(node)
    result: dict[Any, Any] = {}
    for key_node, value_node in node.value:
        key = _key(loader, key_node, source)
        line = key_node.start_mark.line + 1
        if key in result:
            first = lines[(*path, key)]
            why = f"key given twice (first at line {first})"
            raise PolicyError([_format(source, line, _where((*path, key)), why)])
        lines[(*path, key)] = line
        result[key] = _value(loader, value_node, (*path, key), lines, source)
    return result


def _sequence(
    loader: yaml.SafeLoader, node: yaml.SequenceNode, path: Loc, lines: dict[Loc, int], source: str
) -> list[Any]:
    items = []
    for index, item in enumerate(node.value):
        lines[(*path, index)] = item.start_mark.line + 1
        items.append(_value(loader, item, (*path, index), lines, source))
    return items


def _key(loader: yaml.SafeLoader, node: yaml.Node, source: str) -> str | int:
    key = loader.construct_object(node) if isinstance(node, yaml.ScalarNode) else None
    if isinstance(key, str | int) and not isinstance(key, bool):
        return key
    line = node.start_mark.line + 1
    raise PolicyError([f"{source} line {line}: keys must be plain words or numbers"])


# --- error messages ---------------------------------------------------------------------------


def _describe_errors(error: ValidationError, lines: dict[Loc, int], source: str) -> list[str]:
    found = [(_line_for(_loc(e), lines), _where(_loc(e)), _reason(e)) for e in error.errors()]
    return [
        _format(source, line, where, why) for line, where, why in sorted(found, key=lambda f: f[0])
    ]


def _loc(error: Any) -> Loc:
    """Where the error is; a missing key is reported on the mapping that should hold it."""
    loc = tuple(error["loc"])
    return loc[:-1] if error["type"] == "missing" else loc


def _problem(source: str, lines: dict[Loc, int], where: Loc, why: str) -> str:
    return _format(source, _line_for(where, lines), _where(where), why)


def _format(source: str, line: int, where: str, why: str) -> str:
    return f"{source} line {line}: {where}: {why}" if where else f"{source} line {line}: {why}"


def _line_for(loc: Loc, lines: dict[Loc, int]) -> int:
    """The line of the deepest part of ``loc`` the file has (a missing key: its parent)."""
    parts = tuple(part for part in loc if part != "[key]")
    for end in range(len(parts), -1, -1):
        if parts[:end] in lines:
            return lines[parts[:end]]
    return 1


def _where(loc: Loc) -> str:
    text = ""
    for part in loc:
        if part == "[key]":
            continue
        text += f"[{part}]" if isinstance(part, int) else f".{part}"
    return text.lstrip(".")


def _reason(error: Any) -> str:
    kind, value, ctx = error["type"], error.get("input"), error.get("ctx", {})
    if kind == "extra_forbidden":
        return f"unknown key {error['loc'][-1]!r}; check the spelling"
    if kind == "missing":
        return f"{error['loc'][-1]!r} is required"
    messages: dict[str, Callable[[], str]] = {
        "int_type": lambda: f"expected a whole number, got {value!r}",
        "string_type": lambda: f"expected text, got {value!r}",
        "bool_type": lambda: f"expected true or false, got {value!r}",
        "list_type": lambda: f"expected a list, got {value!r}",
        "dict_type": lambda: f"expected a mapping of keys to values, got {value!r}",
        "model_type": lambda: f"expected a mapping of keys to values, got {value!r}",
        "less_than_equal": lambda: f"must be {ctx.get('le')} or less, got {value!r}",
        "greater_than_equal": lambda: f"must be {ctx.get('ge')} or more, got {value!r}",
        "too_short": lambda: f"needs at least {ctx.get('min_length')} items",
        "too_long": lambda: f"takes at most {ctx.get('max_length')} items",
        "string_too_short": lambda: "must not be empty",
        "string_too_long": lambda: f"is too long: at most {ctx.get('max_length')} characters",
        "string_pattern_mismatch": lambda: f"{value!r} may hold only {_allowed_characters(ctx)}",
    }
    return messages[kind]() if kind in messages else str(error["msg"])


def _allowed_characters(ctx: dict[str, Any]) -> str:
    if "A-Z" in str(ctx.get("pattern")):
        return "letters, digits, dots, hyphens and underscores"
    return "lower-case letters, digits and hyphens"


# --- the policy document's shape --------------------------------------------------------------


def _one_of(allowed: tuple[str, ...] | list[str], what: str) -> Callable[[str], str]:
    def check(value: str) -> str:
        if value not in allowed:
            raise PydanticCustomError(
                "policy", "{value} is not one of {allowed}", _ctx(value, allowed)
            )
        return value

    check.__name__ = f"check_{what}"
    return check


def _ctx(value: str, allowed: tuple[str, ...] | list[str]) -> dict[str, str]:
    return {"value": repr(value), "allowed": ", ".join(allowed)}


def _refuse(message: str) -> PydanticCustomError:
    return PydanticCustomError("policy", message)


AreaCode = Annotated[str, AfterValidator(_one_of(AREAS, "area"))]
PathwayName = Annotated[str, AfterValidator(_one_of(PATHWAYS, "pathway"))]
PriorityName = Annotated[str, AfterValidator(_one_of(PRIORITIES, "priority"))]
NeedCode = Annotated[str, AfterValidator(_one_of(list(NEED_CODE_AREAS), "need_code"))]
ToolName = Annotated[str, AfterValidator(_one_of(list(SCREENING_OUTCOMES), "tool"))]
Level = Annotated[int, Field(ge=1, le=7)]
Text = Annotated[str, Field(min_length=1, max_length=1500)]


class _Doc(BaseModel):
    model_config = ConfigDict(extra="forbid", strict=True, frozen=True)


class _AreaDoc(_Doc):
    name: Text
    levels: dict[int, Text]

    @field_validator("levels")
    @classmethod
    def _all_levels(cls, levels: dict[int, str]) -> dict[int, str]:
        missing = [str(level) for level in LEVELS if level not in levels]
        extra = [str(level) for level in levels if level not in LEVELS]
        if missing or extra:
            wrong = f"missing {', '.join(missing)}" if missing else f"no level {', '.join(extra)}"
            raise _refuse(f"levels 1 to 7 each need one descriptor; {wrong}")
        return levels


class _TriedDoc(_Doc):
    from_range: Level
    weeks_at_least: int = Field(ge=1, le=104)


class _ScreeningNeededDoc(_Doc):
    areas: list[AreaCode] = Field(min_length=1)
    age_months_below: int = Field(ge=1, le=312)
    tools: list[ToolName] = Field(min_length=1)


class _EvidenceDoc(_Doc):
    need_codes_at_least: int = Field(default=1, ge=0, le=5)
    range_for_each_area_named: bool = True
    tried: _TriedDoc | None = None
    screening: _ScreeningNeededDoc | None = None


class _PanelDoc(_Doc):
    name: Text
    panel_for_school_age: bool = False


class _AreasAtLeastDoc(_Doc):
    areas: int = Field(ge=1, le=4)
    range_at_least: Level


class _ThresholdDoc(_Doc):
    description: Text
    priority: PriorityName = "high"
    any_of: list[_AreasAtLeastDoc] = Field(min_length=1)


class _ScreeningMatchDoc(_Doc):
    tool: ToolName
    outcome: str
    area: AreaCode | None = None

    @field_validator("outcome")
    @classmethod
    def _outcome_of_tool(cls, outcome: str, info: ValidationInfo) -> str:
        tool = info.data.get("tool")
        allowed = SCREENING_OUTCOMES.get(tool, ()) if tool else ()
        if allowed and outcome not in allowed:
            raise PydanticCustomError(
                "policy",
                "{tool} reports {allowed}, not {value}",
                {**_ctx(outcome, allowed), "tool": tool},
            )
        return outcome


class _ConditionsDoc(_Doc):
    any_area_range_at_least: Level | None = None
    max_range_between: list[Level] | None = Field(default=None, min_length=2, max_length=2)
    need_codes_any: list[NeedCode] = Field(default_factory=list)
    areas_any: list[AreaCode] = Field(default_factory=list)
    screening_any: list[_ScreeningMatchDoc] = Field(default_factory=list)
    age_months_below: int | None = Field(default=None, ge=1, le=312)
    age_months_at_least: int | None = Field(default=None, ge=0, le=312)

    @field_validator("max_range_between")
    @classmethod
    def _low_then_high(cls, between: list[int] | None) -> list[int] | None:
        if between and between[0] > between[1]:
            raise _refuse("give the lower range first, e.g. [3, 4]")
        return between


class _ResultDoc(_Doc):
    pathway: PathwayName
    priority: PriorityName


class _RuleDoc(_Doc):
    id: str = Field(pattern=r"^[a-z0-9][a-z0-9-]*$", max_length=100)
    description: Text
    fallback: bool = False
    conditions: _ConditionsDoc = Field(default_factory=_ConditionsDoc)
    result: _ResultDoc


class _PolicyDoc(_Doc):
    council: Text
    version: str = Field(pattern=r"^[A-Za-z0-9][A-Za-z0-9._-]*$", max_length=60)
    safeguarding_front_door: Text
    areas: dict[AreaCode, _AreaDoc]
    evidence: _EvidenceDoc
    panel: _PanelDoc
    statutory_threshold: _ThresholdDoc
    rules: list[_RuleDoc] = Field(min_length=1)

    @field_validator("areas")
    @classmethod
    def _all_areas(cls, areas: dict[str, _AreaDoc]) -> dict[str, _AreaDoc]:
        missing = [area for area in AREAS if area not in areas]
        if missing:
            raise _refuse(f"all four areas of need need descriptors; missing {', '.join(missing)}")
        return areas


# --- checks across rules ----------------------------------------------------------------------


def _rule_problems(document: _PolicyDoc) -> Iterator[tuple[Loc, str]]:
    yield from _duplicate_ids(document.rules)
    yield from _fallback_problems(document.rules)
    for index, rule in enumerate(document.rules):
        if not rule.fallback and not rule.conditions.model_fields_set:
            yield (
                ("rules", index),
                "a rule without conditions matches every concern; "
                "add conditions or make it the fallback",
            )


def _duplicate_ids(rules: list[_RuleDoc]) -> Iterator[tuple[Loc, str]]:
    first: dict[str, int] = {}
    for index, rule in enumerate(rules):
        if rule.id in first:
            yield (
                ("rules", index, "id"),
                f"rule id {rule.id!r} is already used by rules[{first[rule.id]}]",
            )
        first.setdefault(rule.id, index)


def _fallback_problems(rules: list[_RuleDoc]) -> Iterator[tuple[Loc, str]]:
    fallbacks = [index for index, rule in enumerate(rules) if rule.fallback]
    if not fallbacks:
        yield ("rules",), "exactly one rule must be the fallback (fallback: true); there is none"
    for index in fallbacks[1:]:
        yield (
            ("rules", index, "fallback"),
            f"exactly one fallback rule is allowed; rules[{fallbacks[0]}] is one already",
        )
    for index in fallbacks:
        if index != len(rules) - 1:
            yield (
                ("rules", index, "fallback"),
                "the fallback rule must be the last rule, or the rules after it could never fire",
            )
        if rules[index].conditions.model_fields_set:
            yield (
                ("rules", index, "conditions"),
                "the fallback rule takes no conditions: it applies when no other rule does",
            )


# --- document -> domain -----------------------------------------------------------------------


def _to_policy(document: _PolicyDoc) -> Policy:
    return Policy(
        council=document.council,
        version=document.version,
        areas=tuple(_area(code, document.areas[code]) for code in AREAS),
        evidence=_evidence(document.evidence),
        panel=PanelSettings(document.panel.name, document.panel.panel_for_school_age),
        statutory_threshold=_threshold(document.statutory_threshold),
        rules=tuple(_rule(rule) for rule in document.rules),
        safeguarding_front_door=document.safeguarding_front_door,
    )


def _area(code: str, area: _AreaDoc) -> AreaScale:
    return AreaScale(code, area.name, tuple(area.levels[level].strip() for level in LEVELS))


def _evidence(evidence: _EvidenceDoc) -> EvidenceRequirements:
    tried, screening = evidence.tried, evidence.screening
    return EvidenceRequirements(
        need_codes_at_least=evidence.need_codes_at_least,
        range_for_each_area_named=evidence.range_for_each_area_named,
        tried=TriedRequirement(tried.from_range, tried.weeks_at_least) if tried else None,
        screening=(
            ScreeningRequirement(
                tuple(screening.areas), screening.age_months_below, tuple(screening.tools)
            )
            if screening
            else None
        ),
    )


def _threshold(threshold: _ThresholdDoc) -> StatutoryThreshold:
    tests = tuple(AreasAtLeast(test.areas, test.range_at_least) for test in threshold.any_of)
    return StatutoryThreshold(threshold.description.strip(), tests, threshold.priority)


def _rule(rule: _RuleDoc) -> Rule:
    return Rule(
        id=rule.id,
        description=rule.description.strip(),
        result=RuleResult(rule.result.pathway, rule.result.priority),
        conditions=_conditions(rule.conditions),
        fallback=rule.fallback,
    )


def _conditions(conditions: _ConditionsDoc) -> Conditions:
    between = conditions.max_range_between
    return Conditions(
        any_area_range_at_least=conditions.any_area_range_at_least,
        max_range_between=(between[0], between[1]) if between else None,
        need_codes_any=tuple(conditions.need_codes_any),
        areas_any=tuple(conditions.areas_any),
        screening_any=tuple(
            ScreeningMatch(s.tool, s.outcome, s.area) for s in conditions.screening_any
        ),
        age_months_below=conditions.age_months_below,
        age_months_at_least=conditions.age_months_at_least,
    )

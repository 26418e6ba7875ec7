"""Load, validate and compile the rule files in ``rules/``.

Rules are data so that a domain expert can extend them without touching code.
Everything is checked here, before any article is read: a JSON syntax error, an
unknown category or a regular expression that does not compile stops the run
with the file and line. Compiled rules are cached per directory, so each worker
process pays the cost once.
"""

from __future__ import annotations

import hashlib
import json
import os
from dataclasses import dataclass, field
from functools import lru_cache
from pathlib import Path
from typing import Any, Literal

import regex
from pydantic import BaseModel, ConfigDict, Field, ValidationError, field_validator

from . import __version__
from .errors import RulesError

CATEGORIES = (
    "trainees", "collaborators", "centres", "staff", "volunteers", "teams",
    "classes", "schools", "beneficiaries", "budget", "other",
)
QUALIFIERS = ("exact", "approx", "at_least", "at_most")

RULE_FILES = (
    "provinces.json", "numbers.json", "qualifiers.json", "targets.json",
    "periods.json", "exclusions.json", "categories.json", "boilerplate.json",
    "metadata.json", "percentages.json", "outline.json", "gazetteer/provinces.json", "parts.json",
    "stocks_flows.json", "relevance.json", "html.json",
)


def default_rules_dir() -> Path:
    """``$CTXH_RULES``; else the rules an installed package carries (``ctxh_extract/_rules``,
    copied from ``rules/`` by the build, see setup.py); else, in a source checkout or an
    editable install, the checkout's ``rules/``. ``--rules DIR`` overrides all three."""
    env = os.environ.get("CTXH_RULES")
    if env:
        return Path(env)
    here = Path(__file__).resolve().parent
    packaged = here / "_rules"
    if (packaged / "categories.json").is_file():
        return packaged
    checkout = here.parent.parent                 # src/ctxh_extract -> the checkout
    if (checkout / "pyproject.toml").is_file() and (checkout / "rules" / "categories.json").is_file():
        return checkout / "rules"
    return packaged                               # missing: load_rules says so


# --------------------------------------------------------------------------- schemas
class _Loose(BaseModel):
    model_config = ConfigDict(extra="allow")


class _Strict(BaseModel):
    model_config = ConfigDict(extra="forbid")


class QualifierRule(_Strict):
    name: str
    cue: str
    qualifier: Literal["approx", "at_least", "at_most"]
    direction: Literal["before", "after"]
    max_words: int = 0
    note: str | None = None


class QualifiersFile(_Loose):
    fillers: list[str] = []
    rules: list[QualifierRule]
    shared_gap: _Loose | None = None


class CueRule(_Strict):
    name: str
    cue: str | None = None
    regex: str | None = None
    polarity: Literal["target", "achieved"]
    opens_section: bool = False
    closes_section: bool = False
    weak: bool = False
    past_is_achieved: bool = False
    now: bool = False
    in_names: bool = False
    present: bool = False
    after_sentence_with: str | None = None
    not_after: list[str] = []
    not_before: list[str] = []
    note: str | None = None


class TargetsFile(_Loose):
    rules: list[CueRule]


class PeriodRule(_Strict):
    name: str
    regex: str
    kind: Literal["baseline", "date", "range", "until", "since", "single"]
    strength: Literal["strong", "weak"] = "strong"
    note: str | None = None


class PeriodsFile(_Loose):
    year: str
    rules: list[PeriodRule]


class MarkerRule(_Strict):
    name: str
    style: str
    regex: str
    note: str | None = None


class PlanHeader(_Loose):
    words: list[str]
    report_words: list[str] = []
    max_line: int = 15
    title_lines: int = 3


class HeadingWords(_Loose):
    target: list[str]
    achieved: list[str]
    period_only: str


class Phases(_Loose):
    define: str
    refer: str
    current: str
    range_mention: str
    names: dict[str, int]


class OutlineFile(_Loose):
    title_plan: _Loose | None = None
    line_head: _Loose | None = None
    programmes: _Loose | None = None
    tables: _Loose | None = None
    markers: list[MarkerRule]
    item_styles: list[str]
    heading_max_chars: int = 130
    heading_max_words: int = 12
    plan_header: PlanHeader
    heading_words: HeadingWords
    phases: Phases


class RegexRule(_Strict):
    name: str
    regex: str
    unless_unit_after: bool = False
    needles: list[str] = []
    example: str | None = None
    note: str | None = None


class ExclusionsFile(_Loose):
    rules: list[RegexRule]


class UnitRule(_Strict):
    name: str
    words: list[str]
    category: str
    kind: Literal["person", "place", "group", "money", "thing"]
    requires_nearby: list[str] = []
    otherwise: str | None = None
    otherwise_if_nearby: dict | None = None
    if_nearby: dict | None = None
    note: str | None = None

    @field_validator("category", "otherwise")
    @classmethod
    def _known_category(cls, v: str | None) -> str | None:
        if v is not None and v not in CATEGORIES:
            raise ValueError(f"unknown category {v!r} (known: {', '.join(CATEGORIES)})")
        return v


class WordList(_Loose):
    words: list[str]


class Totals(WordList):
    before_count: list[str] = []


class TraineeBefore(_Loose):
    words: list[str]
    object_markers: list[str]


class ServiceActions(_Loose):
    words: list[str]
    not_after: list[str] = []


class TraineeAfter(_Loose):
    words: list[str]
    max_words: int = 10
    stop_words: list[str] = []


class PerUnit(_Loose):
    cues: list[str]
    distributive: list[str] = []
    not_places: list[str] = []
    max_gap_words: int = 8
    cue_places: dict[str, list[str]] = {}
    connectors: list[str] = []
    before_number: list[str]


class CategoriesFile(_Loose):
    categories: list[str]
    per_unit: PerUnit
    units: list[UnitRule]
    not_units: WordList
    trainee_action_before: TraineeBefore
    trainee_action_after: TraineeAfter
    service_actions: ServiceActions
    need_cues: WordList
    beneficiary_cues: WordList
    role_after_generic: _Loose
    totals: Totals
    trainee_in_training_clause: _Loose | None = None
    award_cues: WordList | None = None
    implied_money: _Loose | None = None

    @field_validator("categories")
    @classmethod
    def _same_categories(cls, v: list[str]) -> list[str]:
        unknown = sorted(set(v) - set(CATEGORIES))
        if unknown:
            raise ValueError(f"unknown category {unknown[0]!r} (known: {', '.join(CATEGORIES)})")
        return v


class NumbersFile(_Loose):
    digits: dict[str, int]
    ten: list[str]
    tens_marker: list[str]
    hundred: list[str]
    zero_tens: list[str]
    scales: dict[str, int]
    half: list[str]
    only_after_tens: list[str]
    vague: WordList
    weak_words: WordList
    range_joiners: list[str]
    percent_words: list[str]
    colloquial: _Loose | None = None
    not_after_ten: list[str] = ["năm", "mốt", "không"]
    not_after_tens_marker: list[str] = ["năm", "không"]


class NamedWords(_Strict):
    name: str
    words: list[str]
    max_words: int = 2
    not_after: list[str] = []


class PercentagesFile(_Loose):
    change_before: list[NamedWords]
    change_after: list[NamedWords]
    subject_skip: list[str] = []
    subject_words: int = 8


class BoilerLineRule(_Strict):
    name: str
    label: str
    regex: str
    case_sensitive: bool = False
    requires: str | None = None
    body: bool = False
    note: str | None = None


class BoilerplateFile(_Loose):
    line_rules: list[BoilerLineRule]
    tail_rules: list[BoilerLineRule]
    separator_lookahead: int = 3
    head_lines: int = 8
    duplicate_min_chars: int = 8
    duplicate_rule: _Loose


class DateRule(_Strict):
    name: str
    regex: str


class PatternList(_Loose):
    patterns: list[str] = Field(min_length=1)


class OutletWords(WordList):
    prefixes: list[str] = []


class DocumentTitle(_Loose):
    headings: list[str] = Field(min_length=1)
    head_lines: int = Field(15, ge=1)
    max_lines_under: int = Field(2, ge=0)
    body_openers: list[str] = []


class MetadataFile(_Loose):
    head_lines: int = 8
    date_rules: list[DateRule]
    meta_line_words: WordList = WordList(words=[])
    outlet_rules: list[DateRule]
    outlet_names: dict[str, str]
    outlet_words: OutletWords = OutletWords(words=[])
    byline: _Loose
    title: _Loose
    letterhead: PatternList | None = None
    document_title: DocumentTitle | None = None


class HtmlFile(_Loose):
    drop_attributes: PatternList
    lead_classes: PatternList
    section_label_classes: PatternList
    section_label_max_words: int = Field(5, ge=1)
    link_only_max_words: int = Field(5, ge=0)
    link_cues: WordList




class AliasRule(_Loose):
    name: str
    province: str
    spellings: list[str]


class BlockRule(_Loose):
    name: str
    words: list[str]


class PrimaryRule(_Loose):
    title_weight: float = 3
    lead_weight: float = 2
    min_share: float = 0.6
    national_cues: list[str] = []
    local_cues: list[str] = []


class ProvincesFile(_Loose):
    primary: PrimaryRule
    aliases: list[AliasRule]
    post_2025_only: list[AliasRule]
    blockers: _Loose
    not_provinces: list[str] = []


class Unit(_Loose):
    code: str
    name: str
    kind: str
    centrally_run: bool
    code_2025: str
    name_2025: str


class Unit2025(_Loose):
    code: str
    name: str
    centrally_run: bool


class GazetteerFile(_Loose):
    units: list[Unit] = Field(min_length=63, max_length=63)
    units_2025: list[Unit2025] = Field(min_length=34, max_length=34)


class PartCue(_Strict):
    name: str
    words: list[str] = Field(min_length=1)
    direction: Literal["whole_first", "part_first"] = "whole_first"
    clause_start: bool = False
    next_sentence: bool = False
    example: str | None = None
    note: str | None = None


class PartsFile(_Loose):
    """rules/parts.json: the cues that make a count a part of a larger one (extract/parts.py)."""

    max_gap_chars: int = Field(default=160, ge=1)
    cues: list[PartCue]


class CategoryGroup(_Strict):
    categories: list[str]
    note: str | None = None

    @field_validator("categories")
    @classmethod
    def _known(cls, v: list[str]) -> list[str]:
        for c in v:
            if c not in CATEGORIES:
                raise ValueError(f"unknown category {c!r} (known: {', '.join(CATEGORIES)})")
        return v


class StocksFlowsFile(_Loose):
    """rules/stocks_flows.json: which categories summaries treat as stocks, flows or neither."""

    stock: CategoryGroup
    flow: CategoryGroup
    neither: CategoryGroup = CategoryGroup(categories=[])

    def kind_of(self) -> dict[str, str]:
        """category -> 'stock' | 'flow' | 'neither'."""
        return {c: k for k in ("stock", "flow", "neither") for c in getattr(self, k).categories}
class RelevanceCue(_Strict):
    name: str
    words: list[str] = Field(min_length=1)
    weight: float = Field(gt=0)
    not_before: list[str] = []
    not_after: list[str] = []
    note: str | None = None


class RelevanceFile(_Loose):
    threshold: float = Field(gt=0)
    cues: list[RelevanceCue] = Field(min_length=1)


# --------------------------------------------------------------------------- loading
def _line_of(text: str, needle: str) -> int | None:
    """1-based line of the first occurrence of ``needle`` in ``text``."""
    pos = text.find(needle)
    return text.count("\n", 0, pos) + 1 if pos >= 0 else None


def _error_line(text: str, data: Any, loc: tuple) -> int | None:
    """Best guess at the line of a pydantic error: the rule's name, else the key."""
    node = data
    name_line = None
    for part in loc:
        try:
            node = node[part]
        except (KeyError, IndexError, TypeError):
            break
        if isinstance(node, dict) and isinstance(node.get("name"), str):
            name_line = _line_of(text, f'"{node["name"]}"')
    if name_line:
        return name_line
    for part in reversed(loc):
        if isinstance(part, str):
            line = _line_of(text, f'"{part}"')
            if line:
                return line
    return None


def _load(path: Path, schema: type[BaseModel]) -> tuple[BaseModel, str]:
    try:
        text = path.read_text(encoding="utf-8")
    except FileNotFoundError:
        raise RulesError(str(path), "rules file is missing") from None
    except (OSError, UnicodeDecodeError) as exc:
        raise RulesError(str(path), f"cannot read rules file: {exc}") from None
    try:
        data = json.loads(text)
    except json.JSONDecodeError as exc:
        raise RulesError(str(path), f"JSON syntax error: {exc.msg} (column {exc.colno})", exc.lineno) from None
    try:
        return schema.model_validate(data), text
    except ValidationError as exc:
        err = exc.errors()[0]
        loc = tuple(err["loc"])
        where = ".".join(str(p) for p in loc)
        msg = err["msg"].removeprefix("Value error, ")
        raise RulesError(str(path), f"{where}: {msg}", _error_line(text, data, loc)) from None


def _compile(path: Path, text: str, name: str, pattern: str, flags: int = 0) -> regex.Pattern:
    try:
        return regex.compile(pattern, flags)
    except regex.error as exc:
        raise RulesError(str(path), f"rule {name}: bad regular expression: {exc}", _line_of(text, f'"{name}"')) from None


def _check_needles(rule: "RegexRule", pat: regex.Pattern, path: Path, text: str) -> None:
    """A rule with ``needles`` is only tried on sentences holding one of them, so a needle must
    occur in everything the rule matches: checked on the rule's ``example``, which must match."""
    if not rule.needles or not rule.example:
        return
    matches = [m.group(0) for m in pat.finditer(rule.example)]
    where = _line_of(text, f'"{rule.name}"')
    if not matches:
        raise RulesError(str(path), f"rule {rule.name}: its example {rule.example!r} does not match its regex", where)
    needles = [n.lower() for n in rule.needles]
    for m in matches:
        if not any(n in m.lower() for n in needles):
            raise RulesError(str(path), f"rule {rule.name}: the match {m!r} in its example holds none of its needles "
                                        f"{rule.needles}; add one, or the rule will never be tried there", where)


def alternation(words, flexible_spaces: bool = True) -> str:
    r"""``words`` as a regex alternation, escaped and longest first (so 'trường hợp' wins over
    'trường'); with ``flexible_spaces`` a space in a word matches any run of whitespace.

    >>> print(alternation(["trường", "trường hợp", "T.P"]))
    trường\s+hợp|trường|T\.P
    """
    parts = (regex.escape(w) for w in sorted({w for w in words if w}, key=len, reverse=True))
    return "|".join(p.replace("\\ ", r"\s+") for p in parts) if flexible_spaces else "|".join(parts)


def words_regex(words: list[str], flags: int = regex.IGNORECASE) -> regex.Pattern:
    """Whole-word alternation, longest first (so 'trường hợp' wins over 'trường')."""
    return regex.compile(rf"(?<![\w])(?:{alternation(words)})(?![\w])", flags)


@dataclass
class Rules:
    """All rule files of one rules directory, validated and compiled."""

    directory: Path
    version: str
    provinces: ProvincesFile
    gazetteer: GazetteerFile
    numbers: NumbersFile
    qualifiers: QualifiersFile
    targets: TargetsFile
    periods: PeriodsFile
    exclusions: ExclusionsFile
    categories: CategoriesFile
    boilerplate: BoilerplateFile
    metadata: MetadataFile
    percentages: PercentagesFile
    outline: OutlineFile
    parts: PartsFile
    stocks_flows: StocksFlowsFile
    relevance: RelevanceFile
    html: HtmlFile
    compiled: dict[str, Any] = field(default_factory=dict)

    def cached(self, key: str, build):
        """Something built from these rules once per process (parsers, extractors)."""
        if key not in self.compiled:
            self.compiled[key] = build(self)
        return self.compiled[key]


def load_rules(directory: str | os.PathLike | None = None) -> Rules:
    """Load and check every rule file; raises :class:`RulesError` naming file and line."""
    d = Path(directory) if directory else default_rules_dir()
    return _load_rules_cached(str(d.resolve()))


@lru_cache(maxsize=4)
def _load_rules_cached(directory: str) -> Rules:
    d = Path(directory)
    if not d.is_dir():
        raise RulesError(directory, "rules directory not found (set --rules or CTXH_RULES)")
    schemas = {
        "provinces.json": ProvincesFile, "numbers.json": NumbersFile,
        "qualifiers.json": QualifiersFile, "targets.json": TargetsFile,
        "periods.json": PeriodsFile, "exclusions.json": ExclusionsFile,
        "categories.json": CategoriesFile, "boilerplate.json": BoilerplateFile,
        "metadata.json": MetadataFile, "percentages.json": PercentagesFile,
        "outline.json": OutlineFile, "gazetteer/provinces.json": GazetteerFile,
        "parts.json": PartsFile, "stocks_flows.json": StocksFlowsFile,
        "relevance.json": RelevanceFile, "html.json": HtmlFile,
    }
    loaded: dict[str, BaseModel] = {}
    texts: dict[str, str] = {}
    digest = hashlib.sha256(f"ctxh-extract {__version__}".encode())
    for rel in RULE_FILES:
        model, text = _load(d / rel, schemas[rel])
        loaded[rel] = model
        texts[rel] = text
        digest.update(rel.encode() + b"\0" + text.encode("utf-8") + b"\0")
    rules = Rules(
        directory=d,
        version=digest.hexdigest()[:16],
        provinces=loaded["provinces.json"],
        gazetteer=loaded["gazetteer/provinces.json"],
        numbers=loaded["numbers.json"],
        qualifiers=loaded["qualifiers.json"],
        targets=loaded["targets.json"],
        periods=loaded["periods.json"],
        exclusions=loaded["exclusions.json"],
        categories=loaded["categories.json"],
        boilerplate=loaded["boilerplate.json"],
        metadata=loaded["metadata.json"],
        percentages=loaded["percentages.json"],
        outline=loaded["outline.json"],
        parts=loaded["parts.json"],
        stocks_flows=loaded["stocks_flows.json"],
        relevance=loaded["relevance.json"],
        html=loaded["html.json"],
    )
    _check_cross_refs(rules, d, texts)
    _compile_all(rules, d, texts)
    return rules


def _check_cross_refs(rules: Rules, d: Path, texts: dict[str, str]) -> None:
    """Checks no schema can express: names unique, aliases point at real provinces."""
    seen: dict[str, str] = {}
    for rel, items in (
        ("qualifiers.json", rules.qualifiers.rules), ("targets.json", rules.targets.rules),
        ("periods.json", rules.periods.rules), ("exclusions.json", rules.exclusions.rules),
        ("categories.json", rules.categories.units), ("relevance.json", rules.relevance.cues),
    ):
        for r in items:
            if r.name in seen:
                raise RulesError(str(d / rel), f"rule name {r.name!r} is used twice (also in {seen[r.name]})",
                                 _line_of(texts[rel], f'"{r.name}"'))
            seen[r.name] = rel
    for r in rules.targets.rules:
        if (r.cue is None) == (r.regex is None):
            raise RulesError(str(d / "targets.json"), f"rule {r.name}: give exactly one of 'cue' or 'regex'",
                             _line_of(texts["targets.json"], f'"{r.name}"'))
    for r in rules.parts.cues:
        if r.name in seen:
            raise RulesError(str(d / "parts.json"), f"rule name {r.name!r} is used twice (also in {seen[r.name]})",
                             _line_of(texts["parts.json"], f'"{r.name}"'))
        seen[r.name] = "parts.json"
    where: dict[str, str] = {}
    for kind in ("stock", "flow", "neither"):
        for cat in getattr(rules.stocks_flows, kind).categories:
            if cat in where:
                raise RulesError(str(d / "stocks_flows.json"), f"category {cat!r} is both a {where[cat]} and a {kind}",
                                 _line_of(texts["stocks_flows.json"], f'"{kind}"'))
            where[cat] = kind
    missing = [c for c in rules.categories.categories if c not in where]
    if missing:
        raise RulesError(str(d / "stocks_flows.json"), f"category {missing[0]!r} is in none of stock, flow, neither "
                                                       f"(every category needs one)")
    known = {u.name for u in rules.gazetteer.units} | {u.name for u in rules.gazetteer.units_2025}
    for a in rules.provinces.aliases + rules.provinces.post_2025_only:
        if a.province not in known:
            raise RulesError(str(d / "provinces.json"), f"alias {a.name}: unknown province {a.province!r}",
                             _line_of(texts["provinces.json"], f'"{a.name}"'))


def _compile_all(rules: Rules, d: Path, texts: dict[str, str]) -> None:
    c = rules.compiled
    year = rules.periods.year
    c["periods"] = [
        (r, _compile(d / "periods.json", texts["periods.json"], r.name, r.regex.replace("{year}", year), regex.IGNORECASE))
        for r in rules.periods.rules
    ]
    c["exclusions"] = [  # a match starts at a word boundary ('ấp 2' must not fire inside 'cấp 210')
        (r, _compile(d / "exclusions.json", texts["exclusions.json"], r.name, rf"(?<![\p{{L}}])(?:{r.regex})",
                     regex.IGNORECASE | regex.MULTILINE))
        for r in rules.exclusions.rules
    ]
    for r, pat in c["exclusions"]:
        _check_needles(r, pat, d / "exclusions.json", texts["exclusions.json"])
    cues = []
    for r in rules.targets.rules:
        if r.regex:
            pat = r.regex
        else:
            pat = regex.escape(r.cue).replace("\\ ", r"\s+")
        pre = "".join(rf"(?<!\b{regex.escape(w)}\s)" for w in r.not_after)
        post = "".join(rf"(?!\s{regex.escape(w)}\b)" for w in r.not_before)
        full = rf"(?<![\w]){pre}(?:{pat})(?![\w]){post}"
        # a cheap substring test before the regex: the cue's first word (its words may be split by
        # any whitespace, which the regex allows and a whole-cue substring test would not)
        needle = r.cue.lower().split()[0] if r.cue else None
        cues.append((r, _compile(d / "targets.json", texts["targets.json"], r.name, full, regex.IGNORECASE), needle))
    c["cues"] = cues
    c["cue_after_sentence"] = {r.name: _compile(d / "targets.json", texts["targets.json"], r.name, r.after_sentence_with)
                               for r in rules.targets.rules if r.after_sentence_with}
    ol, rel = rules.outline, "outline.json"
    tp_words = (ol.title_plan.model_extra or {}).get("words", []) if ol.title_plan is not None else []
    c["title_plan"] = words_regex(tp_words) if tp_words else None
    c["outline_markers"] = [(r, _compile(d / rel, texts[rel], r.name, rf"\s*(?:{r.regex})\s*")) for r in ol.markers]
    for key in ("define", "refer", "current", "range_mention"):
        c["phase_" + key] = _compile(d / rel, texts[rel], "phases." + key,
                                     getattr(ol.phases, key).replace("{year}", year), regex.IGNORECASE)
    pg = ol.programmes.model_extra if ol.programmes is not None else None
    c["programme_define"] = _compile(d / rel, texts[rel], "programmes.define", pg["define"].replace("{year}", year)) if pg else None
    c["programme_refer"] = _compile(d / rel, texts[rel], "programmes.refer", pg["refer"]) if pg else None
    c["programme_phased"] = _compile(d / rel, texts[rel], "programmes.phased", pg["phased"]) if pg and pg.get("phased") else None
    c["heading_period_only"] = _compile(d / rel, texts[rel], "heading_words.period_only",
                                        ol.heading_words.period_only, regex.IGNORECASE)
    c["heading_target"] = words_regex(ol.heading_words.target)
    c["heading_achieved"] = words_regex(ol.heading_words.achieved)
    c["plan_header"] = regex.compile(r"\s*(?:" + alternation(ol.plan_header.words) + r")(?![\p{L}])")
    c["report_header"] = regex.compile(r"\s*(?:" + alternation(ol.plan_header.report_words) + r")(?![\p{L}])") \
        if ol.plan_header.report_words else None
    for key, rel, items in (("line_rules", "boilerplate.json", rules.boilerplate.line_rules),
                            ("tail_rules", "boilerplate.json", rules.boilerplate.tail_rules)):
        out = []
        for r in items:
            flags = 0 if r.case_sensitive else regex.IGNORECASE
            req = _compile(d / rel, texts[rel], r.name, r.requires) if r.requires else None
            out.append((r, _compile(d / rel, texts[rel], r.name, r.regex, flags), req))
        c[key] = out
    c["date_rules"] = [(r, _compile(d / "metadata.json", texts["metadata.json"], r.name, r.regex, regex.IGNORECASE))
                       for r in rules.metadata.date_rules]
    c["meta_line_hint"] = regex.compile(r"\d{1,2}[:h]\d{2}|\||GMT|(?<![\p{L}])(?:"
                                        + alternation(rules.metadata.meta_line_words.words) + r")(?![\p{L}])",
                                        regex.IGNORECASE)
    h, htext = rules.html, texts["html.json"]
    c["html_drop_attr"] = _compile(d / "html.json", htext, "drop_attributes",
                                   "|".join(f"(?:{p})" for p in h.drop_attributes.patterns), regex.IGNORECASE)
    for key, items in (("html_lead_class", h.lead_classes.patterns),
                       ("html_section_class", h.section_label_classes.patterns)):
        c[key] = _compile(d / "html.json", htext, key.removeprefix("html_"),
                          r"(?:^|[-_])(?:" + "|".join(f"(?:{p})" for p in items) + r")(?:$|[-_])", regex.IGNORECASE)
    c["html_link_cue"] = regex.compile(r"(?<![\p{L}])(?:" + alternation(h.link_cues.words) + r")(?![\p{L}])",
                                       regex.IGNORECASE)
    c["outlet_rules"] = [(r, _compile(d / "metadata.json", texts["metadata.json"], r.name, r.regex))
                         for r in rules.metadata.outlet_rules]
    md, mtext = rules.metadata, texts["metadata.json"]
    ow = md.outlet_words
    c["outlet_prefix"] = regex.compile(rf"^(?:{alternation(ow.prefixes)})\s*:?\s+" if ow.prefixes else r"^(?!)",
                                       regex.IGNORECASE)
    c["outlet_word"] = regex.compile(rf"^(?:{alternation(ow.words)})(?![\p{{L}}])|\.(?:vn|com|net|org)$" if ow.words
                                     else r"\.(?:vn|com|net|org)$", regex.IGNORECASE)
    c["letterhead"] = [_compile(d / "metadata.json", mtext, f"letterhead.{k}", p)
                       for k, p in enumerate(md.letterhead.patterns if md.letterhead else [])]
    dt = md.document_title
    c["doc_heading"] = regex.compile(rf"^(?:{alternation(dt.headings)})(?:\s+[^\p{{Ll}}]*)?$" if dt else r"^(?!)")
    c["body_opener"] = regex.compile(rf"^(?:{alternation(dt.body_openers)})(?![\p{{L}}])" if dt and dt.body_openers
                                     else r"^(?!)", regex.IGNORECASE)
    c["relevance"] = _relevance_cues(rules, d, texts["relevance.json"])
    for key in ("prefix_regex", "name_regex"):
        pat = getattr(rules.metadata.byline, key, None) or rules.metadata.byline.model_extra.get(key)
        c["byline_" + key] = _compile(d / "metadata.json", texts["metadata.json"], "byline." + key, pat,
                                      regex.IGNORECASE if key == "prefix_regex" else 0)


def _relevance_cues(rules: Rules, d: Path, text: str) -> list[tuple[tuple[str, ...], tuple[str, ...], tuple[str, ...]]]:
    """Per cue: its words, not_before and not_after words, normalised as text/relevance.py
    normalises an article (NFC, modern tone placement, lower case, single spaces)."""
    from .text.relevance import normalize

    out = []
    for cue in rules.relevance.cues:
        words = tuple(sorted({normalize(w) for w in cue.words if w.strip()}, key=len, reverse=True))
        if not words:
            raise RulesError(str(d / "relevance.json"), f"cue {cue.name}: no words", _line_of(text, f'"{cue.name}"'))
        out.append((words, tuple(normalize(w) for w in cue.not_before if w.strip()),
                    tuple(normalize(w) for w in cue.not_after if w.strip())))
    return out

"""The facts, as pydantic models: one class per row type of the database.

Every extracted fact is validated before it is stored; a fact that fails is
reported for its article and the article is rejected, never half-stored. The
same models (with the ``Gold*`` variants) check hand-made gold files.
"""

from __future__ import annotations

from datetime import date
from typing import Literal

from pydantic import BaseModel, ConfigDict, Field, model_validator

Category = Literal[
    "trainees", "collaborators", "centres", "staff", "volunteers", "teams",
    "classes", "schools", "beneficiaries", "budget", "other",
]
Qualifier = Literal["exact", "approx", "at_least", "at_most"]
PercentKind = Literal["target", "change", "share"]
CORE_CATEGORIES = ("trainees", "collaborators", "centres")


class _Model(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=False)


class _Span(_Model):
    start_char: int = Field(ge=0)
    end_char: int = Field(ge=0)

    @model_validator(mode="after")
    def _ordered(self):
        if self.end_char < self.start_char:
            raise ValueError("end_char before start_char")
        return self


class ProvinceMention(_Span):
    article_id: str
    province: str
    province_code: str = Field(pattern=r"^\d{2}$")
    province_2025: str
    surface: str
    in_body: bool
    rule: str


class _Fact(_Span):
    article_id: str
    qualifier: Qualifier
    is_target: bool
    period_start: int | None = Field(default=None, ge=1900, le=2100)
    period_end: int | None = Field(default=None, ge=1900, le=2100)
    province: str | None = None
    evidence: str = Field(min_length=1)
    rule: str
    target_rule: str | None = None
    qualifier_rule: str | None = None
    period_rule: str | None = None

    @model_validator(mode="after")
    def _period_order(self):
        if self.period_start and self.period_end and self.period_start > self.period_end:
            raise ValueError("period_start after period_end")
        return self


class CountFact(_Fact):
    category: Category
    value: int = Field(ge=0)
    value_max: int | None = Field(default=None, ge=0)
    unit: str
    per_unit: str | None = None
    # '<article_id>:c<start>-<end>': stable while the article and its offsets are unchanged
    fact_id: str | None = None
    part_of: str | None = None    # fact_id of the larger count this one breaks down (extract/parts.py)
    is_part: bool = False
    part_rule: str | None = None  # the rules/parts.json cue that made it a part

    @model_validator(mode="after")
    def _range(self):
        if self.value_max is not None and self.value_max <= self.value:
            raise ValueError("value_max must be above value")
        if self.is_part != (self.part_of is not None):
            raise ValueError("is_part must say whether part_of is set")
        if self.part_of is not None and self.part_of == self.fact_id:
            raise ValueError("a count cannot be a part of itself")
        return self


class PercentFact(_Fact):
    fact_id: str | None = None    # '<article_id>:p<start>-<end>'
    value: float = Field(ge=0)
    value_max: float | None = Field(default=None, ge=0)
    kind: PercentKind
    subject: str | None = None


class Segment(_Span):
    """A run of lines with one label: body, title, related_list, banner, ..."""

    article_id: str
    label: str
    in_body: bool
    rule: str | None = None


class Article(_Model):
    article_id: str = Field(min_length=1)
    source_path: str
    sha256: str
    title: str | None = None
    author: str | None = None
    outlet: str | None = None
    outlet_name: str | None = None
    published_date: date | None = None
    primary_province: str | None = None
    primary_province_2025: str | None = None
    n_chars: int = Field(ge=0)
    relevance: float | None = None              # the relevance filter's score (text/relevance.py)
    relevance_cues: list[str] = []              # the names of the cues that matched
    encoding: str = "utf-8"
    source_kind: str = "txt"
    notes: str | None = None
    rules_version: str = ""
    url: str | None = None        # where the article was published (JSONL url, HTML canonical / og:url)
    text: str


class ArticleResult(_Model):
    """Everything extracted from one article: what the store writes in one transaction."""

    article: Article
    mentions: list[ProvinceMention] = []
    counts: list[CountFact] = []
    percentages: list[PercentFact] = []
    segments: list[Segment] = []

    @property
    def provinces(self) -> list[str]:
        seen: dict[str, None] = {}
        for m in self.mentions:
            if m.in_body:
                seen.setdefault(m.province, None)
        return list(seen)

    @model_validator(mode="after")
    def _offsets_inside(self):
        n = len(self.article.text)
        for f in [*self.mentions, *self.counts, *self.percentages, *self.segments]:
            if f.end_char > n:
                raise ValueError(f"offset {f.end_char} beyond the text ({n} chars)")
            if f.article_id != self.article.article_id:
                raise ValueError("fact of another article")
        return self


# ------------------------------------------------------------------------- gold
class GoldCount(BaseModel):
    model_config = ConfigDict(extra="forbid")
    category: Category
    value: int
    value_max: int | None = None
    qualifier: Qualifier
    unit: str | None = None
    per_unit: str | None = None
    is_target: bool
    period: tuple[int | None, int | None] | None = None
    evidence: str = Field(min_length=1)


class GoldPercent(BaseModel):
    model_config = ConfigDict(extra="forbid")
    value: float
    value_max: float | None = None
    qualifier: Qualifier
    kind: PercentKind
    is_target: bool
    period: tuple[int | None, int | None] | None = None
    subject: str | None = None
    evidence: str = Field(min_length=1)


class GoldArticle(BaseModel):
    model_config = ConfigDict(extra="forbid")
    article_id: str = Field(min_length=1)
    primary_province: str | None
    provinces: list[str]
    counts: list[GoldCount]
    percentages: list[GoldPercent]

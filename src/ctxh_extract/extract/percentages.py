"""Percentage facts: every ``%`` in the body, above all the targets.

Kind (``rules/percentages.json``): ``change`` when a change cue stands right
before the number (``tăng 20%``, ``lên 10%``) or ``so với`` follows it; ``target``
when it is a goal; ``share`` for a statistic of what is (``chiếm khoảng 30%``).
"""

from __future__ import annotations

from dataclasses import dataclass

import regex

from ..rules import Rules, alternation
from .context import FactCandidate, SentenceContext, evidence_span
from .numbers import NumberMention


_PUNCT = regex.compile(r"[,.;:()]")


@dataclass
class PercentCandidate(FactCandidate):
    kind: str
    subject: str | None


class PercentExtractor:
    def __init__(self, rules: Rules):
        pc = rules.percentages
        self.before = []
        for r in pc.change_before:
            alt = alternation(r.words)
            gap = r"(?:\s+\S+){0," + str(max(0, r.max_words - 1)) + "}"
            guard = "".join(rf"(?<!{regex.escape(w)}\s)" for w in r.not_after)
            self.before.append((r.name, regex.compile(rf"(?<![\p{{L}}]){guard}(?:{alt}){gap}\s*$", regex.IGNORECASE)))
        self.after = []
        for r in pc.change_after:
            alt = alternation(r.words)
            gap = r"(?:\s*\S+\s*){0," + str(r.max_words) + "}?"
            self.after.append((r.name, regex.compile(rf"^{gap}\s*(?:{alt})(?![\p{{L}}])", regex.IGNORECASE)))
        self.skip = sorted((w.lower() for w in pc.subject_skip), key=len, reverse=True)
        self.subject_words = pc.subject_words
        self.qual_words = {q.cue.lower() for q in rules.qualifiers.rules} | {f.lower() for f in rules.qualifiers.fillers}

    def extract(self, ctx: SentenceContext, num: NumberMention, is_target: bool) -> PercentCandidate | None:
        if not num.percent:
            return None
        t = ctx.text
        cs, ce = ctx.clause(num.start, num.end)
        qstart = num.qualifier_span[0] if num.qualifier_span and num.qualifier_span[0] < num.start else num.start
        prefix = t[cs:qstart]
        kind, rule = None, None
        for name, pat in self.before:
            if pat.search(prefix):
                kind, rule = "change", name
                break
        if kind is None:
            for name, pat in self.after:
                if pat.search(t[num.end:ce]):
                    kind, rule = "change", name
                    break
        if kind is None:
            kind, rule = ("target", "pct.target") if is_target else ("share", "pct.share")
        ev = evidence_span(ctx, num.start, num.end)
        return PercentCandidate(
            start=ctx.base + num.start, end=ctx.base + num.end, evidence=(ctx.base + ev[0], ctx.base + ev[1]),
            value=float(num.value), value_max=float(num.value_max) if num.value_max is not None else None,
            qualifier=num.qualifier, kind=kind, subject=self._subject(t[num.end:ce]), rule=rule,
            qualifier_rule=num.qualifier_rule,
        )

    def _subject(self, after: str) -> str | None:
        s = after.strip()
        changed = True
        while changed:
            changed = False
            for w in self.skip:
                if s.lower().startswith(w + " "):
                    s = s[len(w):].lstrip()
                    changed = True
        s = _PUNCT.split(s, maxsplit=1)[0]
        words = s.split()[: self.subject_words]
        return " ".join(words) or None

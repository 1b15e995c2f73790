"""The mapping table as the importer reads it: 处罚类别/许可类别 and keywords → record type.

The rules are data (`FeedMapping`, edited in the admin, shipped by a data migration); this
module only decides which rule a row meets, so a department that names its categories
differently changes the table, not the code.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from exchange.feed_models import FeedMapping
from records.models import Polarity, RecordType


@dataclass(frozen=True)
class Rule:
    category: str
    keyword: str
    record_type_code: str


@dataclass(frozen=True)
class Match:
    """The rule a row met: a record type, or None for a licence kept as a neutral fact."""

    record_type: RecordType | None
    record_type_code: str


class Mapper:
    """The active rules of one kind, loaded once per file, tried in priority order."""

    def __init__(self, kind: str) -> None:
        self.rules = [
            Rule(m.category.strip(), m.keyword.strip(), m.record_type_code.strip())
            for m in FeedMapping.objects.filter(kind=kind, is_active=True)
            .order_by("priority", "id")
        ]
        codes = {r.record_type_code for r in self.rules if r.record_type_code}
        self.types = {t.code: t for t in RecordType.objects.filter(code__in=codes)}
        polarity = Polarity.BAD if kind == "CF" else Polarity.GOOD
        self.by_name = {t.name: t for t in RecordType.objects.filter(is_active=True,
                                                                     polarity=polarity)}
        # One `Match` per outcome, built once: a file asks a million times.
        self._by_rule = [(r.category, r.keyword, Match(self.types.get(r.record_type_code),
                                                       r.record_type_code))
                         for r in self.rules]
        self._by_act = {name: Match(t, t.code) for name, t in self.by_name.items()}
        self._memo: dict[tuple[str, str], Any] = {}

    def match(self, *, category: str, text: str, act: str = "") -> Match | None:
        """A row whose act (违法行为类型 / 许可决定书名称) is exactly the name of a catalogue type
        of the right polarity is that type: departments that use the catalogue's names, and the
        platform's own exports, come back as the same type. Otherwise the first rule whose
        category occurs in the row's category and whose keyword occurs in the row's text;
        None when no rule matches."""
        answer = self.rules_for(category=category, act=act)
        if type(answer) is not tuple:
            return answer
        return first_keyword_match(answer, text)

    def rules_for(self, *, category: str, act: str = ""
                  ) -> Match | None | tuple[tuple[str, Match], ...]:
        """What `match` decides from a row's act and category alone, remembered per (act,
        category) — a file repeats a handful of them: the answer itself when no keyword can
        change it (the act names a type; no rule's category fits; the first rule that fits has
        no keyword), else the fitting rules' (keyword, answer) up to the first without a
        keyword, for `first_keyword_match` on the row's text."""
        key = (act, category)
        answer = self._memo.get(key, _UNKNOWN)
        if answer is _UNKNOWN:
            if len(self._memo) >= MEMO_KEYS:
                self._memo.clear()
            answer = self._memo[key] = self._rules_for(category, act)
        return answer

    def _rules_for(self, category: str, act: str
                   ) -> Match | None | tuple[tuple[str, Match], ...]:
        match = self._by_act.get(act)
        if match is not None:
            return match
        fitting: list[tuple[str, Match]] = []
        for rule_category, keyword, match in self._by_rule:
            if rule_category and rule_category not in category:
                continue
            if not keyword:
                if not fitting:
                    return match
                fitting.append((keyword, match))
                break
            fitting.append((keyword, match))
        return tuple(fitting) if fitting else None


#: (act, category) pairs remembered at most (then the memo starts again).
MEMO_KEYS = 50_000
#: "not asked yet" in `Mapper._memo` (None is an answer: no rule matches).
_UNKNOWN = object()


def first_keyword_match(rules: tuple[tuple[str, Match], ...], text: str) -> Match | None:
    """The answer of the first rule whose keyword occurs in `text` (an empty keyword always
    does); None when none does."""
    for keyword, match in rules:
        if not keyword or keyword in text:
            return match
    return None

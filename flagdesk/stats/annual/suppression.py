"""Small counts that could identify a victim are not published (legal.md rule 19, GDPR 5(1)(c)).

The method (docs/statistics.md, "Suppression"):

1. *Merging first.* Providers with fewer notices than the threshold, like providers that are
   natural persons, are counted together under "Other providers" (build.py), which keeps more
   figures visible than suppressing each of their cells.
2. *Primary suppression.* Every published count from 1 to ``threshold - 1`` is withheld.
   Zero is published: it identifies nobody.
3. *Complementary suppression.* The report's tables are sums of one another (a row's actions
   add up to its items, providers add up to the type's figures, the totals add up every
   provider...). Each such sum is a relation between published numbers; a relation with
   exactly one withheld number would give it back by subtraction. So, until nothing changes,
   every relation with exactly one withheld member gets a second one: the smallest non-zero
   member still shown (a zero only when no other is left).
4. *Totals stay exact.* The year's totals (notices, items, items per action) are never
   withheld; a year whose totals are themselves small is small for everybody to see.

This is the classic "no single row or column gives a cell back" protection used for published
tables; it does not solve every combination of relations (a linear-programming attack across
many tables), which is why small providers are merged before any suppression.
"""

from __future__ import annotations

from collections.abc import Hashable, Iterable, Sequence
from dataclasses import dataclass, field


@dataclass
class Grid:
    """Published counts, the sums that tie them together, and which are withheld."""

    threshold: int
    values: dict[Hashable, int] = field(default_factory=dict)
    fixed: set[Hashable] = field(default_factory=set)  # never withheld (exact totals)
    relations: list[tuple[Hashable, ...]] = field(default_factory=list)
    withheld: set[Hashable] = field(default_factory=set)

    def add(self, key: Hashable, value: int, *, fixed: bool = False) -> None:
        self.values[key] = int(value)
        if fixed:
            self.fixed.add(key)

    def relate(self, total: Hashable, parts: Iterable[Hashable]) -> None:
        """``total`` is the sum of ``parts`` (all of them keys of ``values``)."""
        members = (total, *parts)
        if len(members) > 1:
            self.relations.append(members)

    def solve(self) -> set[Hashable]:
        """Withhold small counts, then their complements; returns the withheld keys."""
        if self.threshold <= 0:
            return set()
        self.withheld = {
            k for k, v in self.values.items() if 0 < v < self.threshold and k not in self.fixed
        }
        changed = True
        while changed:
            changed = False
            for members in self.relations:
                hidden = [m for m in members if m in self.withheld]
                if len(hidden) != 1:
                    continue
                pick = self._complement(members)
                if pick is not None:
                    self.withheld.add(pick)
                    changed = True
        return self.withheld

    def _complement(self, members: Sequence[Hashable]) -> Hashable | None:
        # Prefer a part over the relation's total (members[0]), a non-zero over a zero, the
        # smallest, then a stable order (the hash of a final report must not depend on luck).
        candidates = [
            (i == 0, self.values[m] == 0, self.values[m], repr(m), m)
            for i, m in enumerate(members)
            if m not in self.withheld and m not in self.fixed
        ]
        if not candidates:
            return None
        return min(candidates)[-1]

    def shown(self, key: Hashable) -> int | None:
        """The published value: ``None`` when withheld."""
        return None if key in self.withheld else self.values[key]

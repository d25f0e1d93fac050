"""Transitions between review years, derived from a household's sequence of classes.

Each review stores a few history fields (prev_class, was_poor_earlier, …) computed here, so
that the change tables ("Tổng hợp diễn biến hộ nghèo / hộ cận nghèo") are one GROUP BY in
the database. The columns of those tables, for year Y (start = classes of year Y-1):

  poor table                                 near-poor table
  (2) poor → near-poor (thoát nghèo)          (2) near-poor → above (thoát cận nghèo)
  (3) poor → above near-poor (thoát nghèo)    (3) near-poor → poor
  (4) other decreases (no review in Y)        (4) other decreases
  (5) near-poor → poor                        (5) poor → near-poor
  (6) fell back (tái nghèo)                   (6) fell back (tái cận nghèo)
  (7) new (phát sinh)                         (7) new (phát sinh)
  (8) other increases (moved in, split)       (8) other increases
  end (9) = 1 - 2 - 3 - 4 + 5 + 6 + 7 + 8

A household that moves to another commune (chuyển đi / chuyển đến) keeps its reviews where
they were recorded: the sending commune counts it in (4), the receiving one in (8) of the first
year reviewed there ("arrived"). Carrying the registry into the communes of 1/7/2025 is not a
move: it changes the tree, not the place (households.rollups re-aggregates the earlier years).
"""

from dataclasses import dataclass, fields

from households.classification import HouseholdClass

POOR = HouseholdClass.POOR
NEAR_POOR = HouseholdClass.NEAR_POOR
# Households recognised as escaped poverty keep some support for 36 months: the review that
# recorded the escape and the two after it (decisions.md D13).
RECENTLY_ESCAPED_YEARS = 3


@dataclass(frozen=True)
class YearResult:
    year: int
    classification: str
    members_count: int
    # Where the review was recorded: (first day of its unit tree, commune id); None: not known
    # (a household's reviews recorded in one commune).
    place: tuple | None = None


def _moved_between(earlier: YearResult, later: YearResult) -> bool:
    """Recorded in two communes of the same tree: the household moved."""
    if earlier.place is None or later.place is None:
        return False
    return earlier.place[0] == later.place[0] and earlier.place[1] != later.place[1]


@dataclass(frozen=True)
class History:
    prev_class: str
    prev_members_count: int | None
    arrived: bool
    was_poor_earlier: bool
    was_near_poor_earlier: bool
    escaped_poverty_year: int | None
    recently_escaped: bool


HISTORY_FIELDS = [f.name for f in fields(History)]


def household_history(results: list[YearResult], *, came_from_elsewhere: bool) -> list[History]:
    """History fields for each of a household's reviews (results in any order; output in year order)."""
    ordered = sorted(results, key=lambda r: r.year)
    by_year = {r.year: r for r in ordered}
    histories = []
    escaped_year = None
    for index, result in enumerate(ordered):
        prev = by_year.get(result.year - 1)
        earlier = [r.classification for r in ordered[:index] if r.year < result.year - 1]
        if prev and prev.classification == POOR and result.classification != POOR:
            escaped_year = result.year
        recently = (
            result.classification != POOR
            and escaped_year is not None
            and result.year - escaped_year < RECENTLY_ESCAPED_YEARS
        )
        histories.append(
            History(
                prev_class=prev.classification if prev else "",
                prev_members_count=prev.members_count if prev else None,
                arrived=(index == 0 and came_from_elsewhere)
                or (index > 0 and _moved_between(ordered[index - 1], result)),
                was_poor_earlier=POOR in earlier,
                was_near_poor_earlier=NEAR_POOR in earlier,
                escaped_poverty_year=escaped_year,
                recently_escaped=recently,
            )
        )
    return histories

"""Working days (ngày làm việc): Monday to Friday, less the days off, plus the weekend days
worked in exchange (povertyprog.workdays.models.SpecialDay). The review procedure counts its
periods in working days: 3 for a posting, 7 for a re-check after a complaint.

`WorkCalendar` is plain data so that the rules are tested without a database; `calendar_for()`
reads it for a span of dates.
"""

from dataclasses import dataclass, field
from datetime import date, timedelta

# Far enough for any period of the procedure (Tết: up to 9 days off in a row).
_HORIZON = timedelta(days=60)


@dataclass(frozen=True)
class WorkCalendar:
    off: frozenset[date] = field(default_factory=frozenset)
    worked: frozenset[date] = field(default_factory=frozenset)

    def is_working_day(self, day: date) -> bool:
        if day in self.worked:
            return True
        return day.weekday() < 5 and day not in self.off

    def add_working_days(self, start: date, days: int) -> date:
        """The day on which `days` working days after `start` are complete (`start` not counted):
        a posting put up on Friday 3 working days long ends on Wednesday."""
        day, counted = start, 0
        while counted < days:
            day += timedelta(days=1)
            counted += self.is_working_day(day)
        return day

    def working_days_between(self, start: date, end: date) -> int:
        """Working days after `start` up to and including `end` (0 when end <= start)."""
        count, day = 0, start
        while day < end:
            day += timedelta(days=1)
            count += self.is_working_day(day)
        return count


def calendar_for(first: date, last: date | None = None) -> WorkCalendar:
    """The special days from `first` to `last` (default: far enough for the procedure's periods)."""
    from povertyprog.workdays.models import DayKind, SpecialDay

    rows = SpecialDay.objects.filter(day__gte=first, day__lte=last or first + _HORIZON)
    off, worked = set(), set()
    for day, kind in rows.values_list("day", "kind"):
        (worked if kind == DayKind.WORKED else off).add(day)
    return WorkCalendar(frozenset(off), frozenset(worked))

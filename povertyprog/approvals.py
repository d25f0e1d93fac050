"""The approval lock, as the lower apps see it. The registry (households) and budgets must refuse
writes to sent or approved data, but the reporting cycle that decides it lives above them
(reports): reports registers its rules here when it starts (reports/apps.py), and the lower apps
call these functions, never reports itself. The floors run upward.
"""

from django.core.exceptions import PermissionDenied


class LockedError(PermissionDenied):
    """The data is sent or approved; the message says when, by whom, and who can unlock it."""


_rules = None


def register(rules) -> None:
    """`rules` answers lock_message(unit, year, sent_too=), locked_units(ids, year) and
    unapproved_units(unit, year) (reports.locking)."""
    global _rules
    _rules = rules


def lock_message(unit, year: int, *, sent_too: bool = True) -> str:
    """Why the unit's data of `year` cannot change ("" when it can)."""
    return _rules.lock_message(unit, year, sent_too=sent_too)


def ensure_unlocked(unit, year: int, *, sent_too: bool = True) -> None:
    message = lock_message(unit, year, sent_too=sent_too)
    if message:
        raise LockedError(message)


def locked_units(unit_ids, year: int) -> dict[int, str]:
    """{unit id: message} for the units among `unit_ids` whose data of `year` is locked."""
    return _rules.locked_units(unit_ids, year)


def unapproved_units(unit, year: int) -> list[str]:
    """Names of the communes of the unit's subtree not approved for `year`."""
    return _rules.unapproved_units(unit, year)

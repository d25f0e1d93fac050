"""The change history of a household as its officers read it: every change of the household, its
members and its reviews, newest first, in Vietnamese, with each field's value before → after.

Reads the audit tables (django-simple-history) in three queries, whatever the length of the
history; consecutive versions of one row are compared in memory.
"""

from collections import defaultdict
from dataclasses import dataclass, field
from datetime import datetime

from households.models import Household, HouseholdReview, Member
from povertyprog.lib.formatting import format_number

ACTIONS = {"+": "Thêm mới", "~": "Sửa", "-": "Xóa"}
# Bookkeeping, not information: never listed. A review's commune follows its household; the
# household's commune is listed (a move into a commune of the 2025 arrangement).
HIDDEN = {"id", "version", "updated_at", "created_at", "search_text", "head_sort_key", "household",
          "standard", "overrides"}  # fmt: skip
HIDDEN_OF = {Household: HIDDEN | {"carried_into"}, HouseholdReview: HIDDEN | {"commune"}, Member: HIDDEN}


@dataclass
class Change:
    at: datetime
    user: object
    action: str
    subject: str
    source: str
    fields: list[tuple[str, str, str]] = field(default_factory=list)  # (label, before, after)


def shown(model_field, value) -> str:
    """A stored value as the pages show it."""
    if value is None or value == "":
        return "(trống)"
    if isinstance(value, bool):
        return "Có" if value else "Không"
    if model_field.choices:
        return str(dict(model_field.flatchoices).get(value, value))
    if model_field.is_relation:  # a commune: its name (rare: a move)
        return str(model_field.related_model.objects.filter(pk=value).first() or value)
    if isinstance(value, int):
        return format_number(value)
    if hasattr(value, "strftime"):
        return value.strftime("%d/%m/%Y")
    return str(value)


def _subject(model, record) -> str:
    if model is Household:
        return "Thông tin hộ"
    if model is HouseholdReview:
        return f"Kết quả rà soát năm {record.year}"
    return f"Thành viên {record.full_name}"


def _changes_of(model, records: list) -> list[Change]:
    by_row = defaultdict(list)
    for record in records:
        by_row[record.id].append(record)
    changes = []
    for versions in by_row.values():
        versions.sort(key=lambda r: (r.history_date, r.history_id))
        previous = None
        for record in versions:
            change = Change(
                at=record.history_date,
                user=record.history_user,
                action=ACTIONS.get(record.history_type, record.history_type),
                subject=_subject(model, record),
                source=record.history_change_reason or "",
            )
            if previous is not None and record.history_type == "~":
                for delta in record.diff_against(previous).changes:
                    if delta.field in HIDDEN_OF[model]:
                        continue
                    model_field = model._meta.get_field(delta.field)
                    change.fields.append(
                        (
                            str(model_field.verbose_name),
                            shown(model_field, delta.old),
                            shown(model_field, delta.new),
                        )
                    )
                if not change.fields:
                    previous = record
                    continue  # a save that changed nothing a person reads
            changes.append(change)
            previous = record
    return changes


def household_changes(household: Household, limit: int = 100) -> list[Change]:
    """The newest `limit` changes of the household, its members and its reviews."""
    history = [
        (Household, Household.history.filter(id=household.pk)),
        (HouseholdReview, HouseholdReview.history.filter(household_id=household.pk)),
        (Member, Member.history.filter(household_id=household.pk)),
    ]
    changes = []
    for model, records in history:
        changes += _changes_of(model, list(records.select_related("history_user")))
    changes.sort(key=lambda c: c.at, reverse=True)
    return changes[:limit]

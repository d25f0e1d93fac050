"""Whether the registry has changed since a moment: a stamp taken then, compared later (D54).

Every write to a household, a member or a review leaves an audit row (django-simple-history; the
COPY and bulk writers copy theirs too) whose id comes from a sequence. A stamp is the last audit id
of each of the three tables: any write committed later shows as a larger one — provided no other
transaction was writing when the stamp was read. Such a transaction drew its ids before the stamp's
and may commit after it, rows that the last ids would not reveal. So on PostgreSQL a stamp is only
taken at a quiet moment: no other transaction in progress in the snapshot it was read in (xip),
none holding a transaction id when the lock table was read just after, and none ended between
(the next snapshot's xmax unchanged). Otherwise there is no stamp (None) and the caller checks
everything again. SQLite runs one writer at a time, and its ids follow the committed rows: the ids
alone tell.
"""

import time

from django.db import connection

from households.models import Household, HouseholdReview, Member

Stamp = tuple[int | None, ...]
ATTEMPTS = 3  # a moment with no other writer is looked for this many times, PAUSE seconds apart
PAUSE = 0.02


def _last_audit_ids_sql() -> str:
    tables = [model.history.model._meta.db_table for model in (Household, Member, HouseholdReview)]
    return ", ".join(f'(SELECT max(history_id) FROM "{table}")' for table in tables)


def _last_audit_ids() -> Stamp:
    with connection.cursor() as cursor:
        cursor.execute(f"SELECT {_last_audit_ids_sql()}")
        return tuple(cursor.fetchone())


def registry_stamp() -> Stamp | None:
    """The last audit id of households, members and reviews, read at a moment when no other
    transaction was writing; None if no such moment came (then nothing may be taken on trust)."""
    if connection.vendor != "postgresql":
        return _last_audit_ids()
    for attempt in range(ATTEMPTS):
        if attempt:
            time.sleep(PAUSE)
        if (stamp := _quiet_stamp()) is not None:
            return stamp
    return None


def _quiet_stamp() -> Stamp | None:
    with connection.cursor() as cursor:
        cursor.execute(
            f"SELECT {_last_audit_ids_sql()}, "
            "(SELECT count(*) FROM pg_snapshot_xip(pg_current_snapshot()) AS x(id) "
            " WHERE x.id IS DISTINCT FROM pg_current_xact_id_if_assigned()), "
            "pg_snapshot_xmax(pg_current_snapshot())::text, "
            "(SELECT count(*) FROM pg_locks WHERE locktype = 'transactionid' AND granted "
            " AND pid IS DISTINCT FROM pg_backend_pid())"
        )
        *last, in_progress, xmax, writing = cursor.fetchone()
        cursor.execute("SELECT pg_snapshot_xmax(pg_current_snapshot())::text")  # a new snapshot
        ended_since = cursor.fetchone()[0] != xmax
    return None if in_progress or writing or ended_since else tuple(last)


def registry_unchanged_since(stamp: Stamp | None) -> bool:
    """No household, member or review has been written (and committed) since `stamp`."""
    return stamp is not None and _last_audit_ids() == tuple(stamp)

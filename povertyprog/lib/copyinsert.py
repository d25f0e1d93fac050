"""Insert many new rows fast: PostgreSQL COPY, with the audit rows of django-simple-history.

Django's bulk_create spends most of its time preparing each value in Python (bench:
~1,500 rows/s end to end for an import); COPY takes the same rows at tens of thousands a
second. Rows may be model instances or plain dicts by field attname (building 10,000 model
instances costs more than copying them): dicts are cheaper, and every dict of one call must
have the same keys; fields they leave out get their defaults. Primary keys are taken from
the table's sequence first and set on the rows (`obj.pk`, `row["id"]`), so callers can link
children to parents as with bulk_create. The "+" audit rows are copied server-side from the
rows just written (INSERT … SELECT), so they cost no Python per row. Other databases fall
back to bulk_create.
"""

import functools
import json
import operator
from collections.abc import Sequence

from django.db import connection, models
from django.utils import timezone
from simple_history.utils import (
    bulk_create_with_history,
    bulk_update_with_history,
    get_history_model_for_model,
)

from povertyprog.lib.overlap import ServerWork

_HISTORY_OWN = ("history_date", "history_type", "history_change_reason", "history_user")


def copy_insert(
    model: type[models.Model],
    rows: Sequence[models.Model | dict],
    *,
    history_user=None,
    change_reason=None,
    server: ServerWork | None = None,
) -> list:
    """Insert unsaved rows (and, for a model with history, their "+" audit rows); returns the ids.

    `server` runs the statement that copies the audit rows (povertyprog.lib.overlap: a large
    import lets the server do it while Python goes on); by default it runs at once."""
    if not rows:
        return []
    if connection.vendor != "postgresql":
        return _bulk_create(model, rows, history_user, change_reason)
    now = timezone.now()
    ids = _reserve_ids(model, len(rows))
    fields = list(model._meta.concrete_fields)
    make = _row_maker(model, fields, rows[0], now)
    _copy(model._meta.db_table, [f'"{f.column}"' for f in fields], map(make, rows, ids))
    if hasattr(model, "history"):
        _copy_history(model, ids, history_user, now, change_reason, server or ServerWork())
    return ids


def _bulk_create(model, rows, history_user, change_reason) -> list:
    objects = [row if isinstance(row, models.Model) else model(**row) for row in rows]
    if hasattr(model, "history"):
        bulk_create_with_history(
            objects, model, batch_size=1000, default_user=history_user, default_change_reason=change_reason
        )
    else:
        model.objects.bulk_create(objects, batch_size=1000)
    for row, obj in zip(rows, objects, strict=True):
        if isinstance(row, dict):
            row[model._meta.pk.attname] = obj.pk
    return [obj.pk for obj in objects]


def _row_maker(model, fields: list[models.Field], first, now):
    """(row, id) -> list of column values, JSON dumped, defaults and auto_now filled. Built once
    per call from its first row: it runs per row."""
    names = [f.attname for f in fields]
    pk_name = model._meta.pk.attname
    stamped = {f.attname for f in fields if _is_stamp(f)}
    json_positions = [i for i, f in enumerate(fields) if isinstance(f, models.JSONField)]

    if isinstance(first, models.Model):
        pick = operator.attrgetter(*names)  # one C call per row instead of a Python loop

        def values_of(obj, pk) -> list:
            obj.pk = pk
            for name in stamped:
                setattr(obj, name, now)
            return list(pick(obj))

    else:
        # Same keys in every row: the missing fields' defaults are worked out once.
        fixed = {f.attname: f.get_default() for f in fields if f.attname not in {*first, pk_name}}
        fixed.update(dict.fromkeys(stamped, now))

        pick = operator.itemgetter(*names)

        def values_of(row: dict, pk) -> list:
            row[pk_name] = pk
            return list(pick({**row, **fixed}))

    def make(row, pk) -> list:
        values = values_of(row, pk)
        for i in json_positions:
            values[i] = _json(values[i])
        return values

    return make


def _json(value) -> str:
    """JSON text of a value; the empty dict most rows carry (a review's overrides) costs nothing."""
    return "{}" if value == {} else json.dumps(value, ensure_ascii=False)


def _is_stamp(field: models.Field) -> bool:
    return getattr(field, "auto_now", False) or getattr(field, "auto_now_add", False)


def _reserve_ids(model, count: int) -> list[int]:
    table = model._meta.db_table
    with connection.cursor() as cursor:
        cursor.execute(
            # The sequence is looked up once: pg_get_serial_sequence() per row costs 6x the nextval.
            "SELECT nextval(%s::regclass) FROM generate_series(1, %s)",
            [_sequence(table, model._meta.pk.column), count],
        )
        return [row[0] for row in cursor.fetchall()]


@functools.cache
def _sequence(table: str, column: str) -> str:
    with connection.cursor() as cursor:
        cursor.execute("SELECT pg_get_serial_sequence(%s, %s)", [table, column])
        return cursor.fetchone()[0]


def _copy(table: str, columns: list[str], rows) -> None:
    with connection.cursor() as cursor:
        with cursor.connection.cursor().copy(f'COPY "{table}" ({", ".join(columns)}) FROM STDIN') as copy:
            for row in rows:
                copy.write_row(row)


def _copy_history(model, ids: list[int], user, now, change_reason, server: ServerWork) -> None:
    """The "+" audit rows of the rows `ids`, copied from the table in the database."""
    pk = model._meta.pk.column
    # The range lets PostgreSQL walk the primary key once instead of probing it per id. When no
    # other writer took a value of the sequence in between, the ids are the whole range and the
    # list need not be sent (formatting 17,500 ids costs Python 20 ms a batch, the server a probe
    # per row).
    low, high = min(ids), max(ids)
    where, params = f'"{pk}" BETWEEN %s AND %s', [low, high]
    if high - low != len(ids) - 1:  # sequence values are distinct: n of them spanning n are all
        where, params = f'{where} AND "{pk}" = ANY(%s)', [*params, ids]
    history_insert_select(
        model,
        where=where,
        params=params,
        history_type="+",
        user=user,
        now=now,
        reason=change_reason,
        execute=server.execute,
    )


def history_insert_select(
    model,
    *,
    where: str = "",
    params: list | None = None,
    rows: models.QuerySet | None = None,
    history_type: str,
    user,
    now,
    reason: str | None,
    overrides: dict[str, tuple[str, list]] | None = None,
    execute=None,
) -> None:
    """django-simple-history's audit rows of the rows of `model` matching `where` (SQL, with
    `params`) or in the queryset `rows`, written by the database in one INSERT … SELECT: nothing
    per row in Python, on any database. `overrides` {column: (SQL expression, params)}: the value
    a column will have when the audit row describes a change about to be written."""
    if rows is not None:
        subquery, params = rows.values("pk").query.sql_with_params()
        where = f'"{model._meta.pk.column}" IN ({subquery})'
    history = get_history_model_for_model(model)
    own = [history._meta.get_field(name).column for name in _HISTORY_OWN]
    copied = [
        f.column for f in history._meta.concrete_fields if f.name != "history_id" and f.column not in own
    ]
    overrides = overrides or {}
    selected = [overrides[c][0] if c in overrides else f'"{c}"' for c in copied]
    values = [value for c in copied if c in overrides for value in overrides[c][1]]
    columns = ", ".join(f'"{c}"' for c in copied + own)
    sql = (
        f'INSERT INTO "{history._meta.db_table}" ({columns}) '
        f'SELECT {", ".join(selected)}, %s, %s, %s, %s FROM "{model._meta.db_table}" WHERE {where}'
    )
    arguments = [*values, now, history_type, reason, user.pk if user else None, *(params or [])]
    if execute is not None:
        execute(sql, arguments)
        return
    with connection.cursor() as cursor:
        cursor.execute(sql, arguments)


def copy_update(
    model: type[models.Model],
    rows: Sequence[models.Model | dict],
    fields: Sequence[str],
    *,
    history_user=None,
    change_reason=None,
    where: dict | None = None,
    server: ServerWork | None = None,
) -> int:
    """Save `fields` of many existing rows (model instances, or dicts by attname with the primary
    key) with their "~" audit rows: what bulk_update_with_history writes. On PostgreSQL the new
    values are COPYed into a temporary table and written by one UPDATE … FROM it, and the audit
    rows are copied from the updated rows (INSERT … SELECT); Django's bulk_update builds a CASE
    WHEN per field and row instead (a 10 %-changed import spent 47 s of 80 there). `where`
    ({column: value}) is added to the UPDATE: on a partitioned table, the partition key makes it
    read one partition. Other databases: bulk_update_with_history itself. Returns the row count."""
    if not rows:
        return 0
    if connection.vendor != "postgresql":
        return bulk_update_simple(
            model, rows, fields, history_user=history_user, change_reason=change_reason, where=where
        )
    now = timezone.now()
    meta = model._meta
    chosen = [meta.get_field(name) for name in fields]
    pk = meta.pk
    names = [pk.attname, *(f.attname for f in chosen)]
    json_positions = [i for i, f in enumerate([pk, *chosen]) if isinstance(f, models.JSONField)]
    pick = operator.itemgetter(*names) if isinstance(rows[0], dict) else operator.attrgetter(*names)

    def values(row) -> list:
        got = list(pick(row))
        for i in json_positions:
            got[i] = _json(got[i])
        return got

    columns = [f'"{f.column}"' for f in [pk, *chosen]]
    table = meta.db_table
    scratch = f"_copy_update_{table}"
    where = where or {}
    conditions = "".join(f' AND "{meta.get_field(name).column}" = %s' for name in where)
    with connection.cursor() as cursor:
        cursor.execute(f'DROP TABLE IF EXISTS "{scratch}"')
        cursor.execute(
            f'CREATE TEMPORARY TABLE "{scratch}" AS SELECT {", ".join(columns)} FROM "{table}" WITH NO DATA'
        )
        _copy(scratch, columns, map(values, rows))
        assignments = ", ".join(f"{c} = v.{c}" for c in columns[1:])
        matching = f'"{table}".{columns[0]} = v.{columns[0]}' + conditions.replace(
            ' AND "', f' AND "{table}"."'
        )
        cursor.execute(
            f'UPDATE "{table}" SET {assignments} FROM "{scratch}" v WHERE {matching}', list(where.values())
        )
        count = cursor.rowcount
        cursor.execute(f'DROP TABLE "{scratch}"')
    if hasattr(model, "history"):
        key = (
            operator.itemgetter(pk.attname) if isinstance(rows[0], dict) else operator.attrgetter(pk.attname)
        )
        history_insert_select(
            model,
            where=f"{columns[0]} = ANY(%s){conditions}",
            params=[list(map(key, rows)), *where.values()],
            history_type="~",
            user=history_user,
            now=now,
            reason=change_reason,
            execute=(server or ServerWork()).execute,
        )
    return count


def bulk_update_simple(model, rows, fields, *, history_user=None, change_reason=None, where=None) -> int:
    """copy_update's simple twin (and its path off PostgreSQL): Django's bulk_update with
    django-simple-history's audit rows. Dict rows are made instances from the table first."""
    if rows and isinstance(rows[0], dict):
        pk = model._meta.pk.attname
        attnames = [model._meta.get_field(name).attname for name in fields]
        stored = model.objects.in_bulk([row[pk] for row in rows])
        objects = []
        for row in rows:
            obj = stored[row[pk]]
            for name in attnames:
                setattr(obj, name, row[name])
            objects.append(obj)
        rows = objects
    manager = model.objects.filter(**where) if where else None
    return bulk_update_with_history(
        rows,
        model,
        list(fields),
        batch_size=1000,
        default_user=history_user,
        default_change_reason=change_reason,
        manager=manager,
    )

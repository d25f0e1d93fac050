"""The reviews and their audit rows, partitioned by the review's year (PostgreSQL only).

Every statistic, list and rollup reads one year; a partition per year lets PostgreSQL read only
that year's rows, and an old year can later be detached or archived whole (docs/scaling.md).
Declarative range partitioning on `year`; the existing rows are carried over. A partitioned
table's primary key and unique constraints must include the partition key: (id, year) and
(household_id, year) — ids stay unique, drawn from one sequence as before. PostgreSQL 15 has no
identity columns on partitioned tables, so the id is a column with a sequence default (owned by
the column, so Django's sequence resets find it). Indexes, checks and foreign keys keep their
names. SQLite (development, tests) keeps plain tables.
"""

from django.db import migrations

TABLES = {  # table: its id column
    "households_householdreview": "id",
    "households_historicalhouseholdreview": "history_id",
}
FIRST_YEAR, LAST_YEAR = 2021, 2035  # a partition per year of the programs; others go to the default


def _partition(cursor, table: str, pk: str) -> None:
    cursor.execute("SELECT relkind FROM pg_class WHERE oid = %s::regclass", [table])
    if cursor.fetchone()[0] == "p":  # partitioned already
        return
    cursor.execute(
        "SELECT conname, pg_get_constraintdef(oid) FROM pg_constraint "
        "WHERE conrelid = %s::regclass AND contype IN ('u', 'f')",
        [table],
    )
    constraints = cursor.fetchall()
    cursor.execute(
        "SELECT indexname, indexdef FROM pg_indexes WHERE tablename = %s AND indexname NOT IN "
        "(SELECT conname FROM pg_constraint WHERE conrelid = %s::regclass AND contype IN ('p', 'u'))",
        [table, table],
    )
    indexes = cursor.fetchall()
    cursor.execute(f"ALTER TABLE {table} RENAME TO {table}_unpartitioned")
    cursor.execute(
        f"CREATE TABLE {table} (LIKE {table}_unpartitioned INCLUDING CONSTRAINTS INCLUDING STORAGE) "
        "PARTITION BY RANGE (year)"
    )
    for year in range(FIRST_YEAR, LAST_YEAR + 1):
        cursor.execute(
            f"CREATE TABLE {table}_y{year} PARTITION OF {table} FOR VALUES FROM ({year}) TO ({year + 1})"
        )
    cursor.execute(f"CREATE TABLE {table}_other PARTITION OF {table} DEFAULT")
    cursor.execute(f"INSERT INTO {table} SELECT * FROM {table}_unpartitioned")
    cursor.execute(f"DROP TABLE {table}_unpartitioned")
    sequence = f"{table}_{pk}_seq"
    cursor.execute(f"CREATE SEQUENCE {sequence} OWNED BY {table}.{pk}")
    cursor.execute(f"SELECT setval('{sequence}', COALESCE((SELECT MAX({pk}) FROM {table}), 0) + 1, false)")
    cursor.execute(f"ALTER TABLE {table} ALTER COLUMN {pk} SET DEFAULT nextval('{sequence}')")
    cursor.execute(f"ALTER TABLE {table} ADD CONSTRAINT {table}_pkey PRIMARY KEY ({pk}, year)")
    for name, definition in constraints:
        cursor.execute(f"ALTER TABLE {table} ADD CONSTRAINT {name} {definition}")
    for _name, definition in indexes:
        cursor.execute(definition)


def partition(apps, schema_editor):
    if schema_editor.connection.vendor != "postgresql":
        return
    with schema_editor.connection.cursor() as cursor:
        for table, pk in TABLES.items():
            _partition(cursor, table, pk)


class Migration(migrations.Migration):
    dependencies = [("households", "0014_season_data")]

    # Not reversed: the partitioned tables hold the same rows under the same names.
    operations = [migrations.RunPython(partition, migrations.RunPython.noop, elidable=False)]

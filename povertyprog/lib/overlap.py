"""Let the database server work on one batch while Python prepares the next.

A large import alternates Python work (read, check, classify a batch, format its COPY) with
work the server does alone: the audit rows copied by INSERT … SELECT and the foreign-key
checks of the rows just written. On PostgreSQL, `server_work()` runs such statements in
order in a second thread on the caller's own connection — the same transaction, so the
import stays all-or-nothing — and returns at once; that thread only waits on the server
(no Python work to compete for), so the server's core and Python's core are busy together.
psycopg lets one statement at a time use the connection. The thread runs its statements in
order; relative to the caller's they may come earlier or later, so hand over only statements
whose place does not matter (audit copies of rows already written, constraint checks).
Elsewhere (SQLite in development and tests), or with the setting OVERLAP_SERVER_WORK off,
statements run at once.
"""

import contextlib
from collections.abc import Iterator
from concurrent.futures import Future, ThreadPoolExecutor

from django.conf import settings
from django.db import DEFAULT_DB_ALIAS, connections


class ServerWork:
    """Statements run at once, in the caller's thread (the default, and off PostgreSQL)."""

    def __init__(self, alias: str = DEFAULT_DB_ALIAS):
        self.connection = connections[alias]

    def execute(self, sql: str, params: list | None = None) -> None:
        with self.connection.cursor() as cursor:
            cursor.execute(sql, params)

    def check_constraints(self) -> None:
        """Check the deferred foreign keys of the rows written so far, now rather than at commit."""
        if self.connection.vendor == "postgresql":
            self.execute("SET CONSTRAINTS ALL IMMEDIATE")
            self.execute("SET CONSTRAINTS ALL DEFERRED")


class _Background(ServerWork):
    def __init__(self, alias: str, pool: ThreadPoolExecutor):
        super().__init__(alias)
        self.connection.ensure_connection()
        self._raw, self._pool = self.connection.connection, pool
        self._pending: list[Future] = []

    def execute(self, sql: str, params: list | None = None) -> None:
        while self._pending and self._pending[0].done():
            self._pending.pop(0).result()  # an earlier statement's error is raised here
        self._pending.append(self._pool.submit(self._run, sql, params))

    def _run(self, sql: str, params: list | None) -> None:
        with self._raw.cursor() as cursor:
            cursor.execute(sql, params)

    def wait(self, *, quietly: bool = False) -> None:
        pending, self._pending = self._pending, []
        for future in pending:
            if quietly:
                with contextlib.suppress(Exception):
                    future.result()
            else:
                future.result()


@contextlib.contextmanager
def server_work(background: bool = True, alias: str = DEFAULT_DB_ALIAS) -> Iterator[ServerWork]:
    """A ServerWork for the block; every statement has ended when the block exits (and the
    first error among them is raised there, if not by a later execute). Serial, in the caller's
    thread, off PostgreSQL or with OVERLAP_SERVER_WORK off."""
    if not (background and settings.OVERLAP_SERVER_WORK) or connections[alias].vendor != "postgresql":
        yield ServerWork(alias)
        return
    with ThreadPoolExecutor(1, thread_name_prefix="server-work") as pool:
        work = _Background(alias, pool)
        try:
            yield work
        except BaseException:
            work.wait(quietly=True)  # never leave a statement running on the connection
            raise
        work.wait()

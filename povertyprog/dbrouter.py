"""Reads of the statistics, dashboards and exports from a read replica; everything else from the primary.

With DATABASE_REPLICA_URL set, settings.DATABASES has a "replica" alias (a PostgreSQL standby fed by
streaming replication: scripts/replica.sh) and settings.REPLICA_DATABASE names it. Only reads made
inside `replica_reads` go there: the read-only selectors carry it as a decorator

    @replica_reads
    def registry_stats(unit, year): ...

or a block of code is wrapped in `with replica_reads():`. Every other read, and every write
(`db_for_write` is always "default", also inside `replica_reads`), goes to the primary.

A replica is a little behind the primary. So that users see what they have just written,
ReadYourWritesMiddleware notes in the session when a user's POST (PUT, PATCH, DELETE) succeeded;
for READ_YOUR_WRITES_SECONDS after it (10 s by default) that user's requests read everything from
the primary, `replica_reads` or not. Reads inside a transaction opened by the app
(`transaction.atomic`) stay on the primary too: they must see the transaction's own writes.
Without a replica configured, nothing changes: every query goes to "default".
"""

import contextlib
import functools
import inspect
import time
from collections.abc import Callable, Iterator
from contextvars import ContextVar

from django.conf import settings
from django.db import DEFAULT_DB_ALIAS, connections

# Set by replica_reads() for the code it wraps; by ReadYourWritesMiddleware (or primary_reads())
# for a request that must read from the primary. Context variables: each thread (gunicorn's
# threaded workers) and each task has its own.
_replica_wanted: ContextVar[bool] = ContextVar("replica_wanted", default=False)
_primary_pinned: ContextVar[bool] = ContextVar("primary_pinned", default=False)

# The session key of the moment (time.time()) of the user's last successful write.
WROTE_AT = "_wrote_at"
WRITE_METHODS = frozenset({"POST", "PUT", "PATCH", "DELETE"})


def replica_alias() -> str | None:
    """The alias reads may be sent to (settings.REPLICA_DATABASE), or None without a replica."""
    return getattr(settings, "REPLICA_DATABASE", None) or None


@contextlib.contextmanager
def _flag(var: ContextVar[bool]) -> Iterator[None]:
    token = var.set(True)
    try:
        yield
    finally:
        var.reset(token)


def replica_reads(func: Callable | None = None):
    """Send the reads of a function (as a decorator) or of a block (`with replica_reads():`) to
    the replica, when there is one and the request is not pinned to the primary.

    Only for code that reads and never acts on what it read in a write: a selector whose figures
    are shown or exported. Not for generator functions: the setting would hold in their consumer's
    code between two items too.
    """
    if func is None:
        return _flag(_replica_wanted)
    if inspect.isgeneratorfunction(func) or inspect.iscoroutinefunction(func):
        raise TypeError(f"replica_reads: {func.__qualname__} is not a plain function")

    @functools.wraps(func)
    def wrapper(*args, **kwargs):
        with _flag(_replica_wanted):
            return func(*args, **kwargs)

    wrapper.reads_from_replica = True  # for the tests and the curious: which selectors do
    return wrapper


def primary_reads():
    """Every read of the block from the primary, even inside replica_reads (a context manager)."""
    return _flag(_primary_pinned)


def _in_app_transaction() -> bool:
    """Is the primary's connection inside an atomic block of the app's own? (The atomic blocks
    TestCase wraps around each test are marked _from_testcase; Django's own durable check reads
    them the same way.)"""
    connection = connections[DEFAULT_DB_ALIAS]
    return connection.in_atomic_block and any(
        not getattr(block, "_from_testcase", False) for block in connection.atomic_blocks
    )


def read_alias() -> str:
    """Where a read made here and now goes: the replica only inside replica_reads, with a
    replica configured, outside the read-your-writes window and outside the app's transactions."""
    alias = replica_alias()
    if alias and _replica_wanted.get() and not _primary_pinned.get() and not _in_app_transaction():
        return alias
    return DEFAULT_DB_ALIAS


class ReplicaRouter:
    """settings.DATABASE_ROUTERS: reads as read_alias() says, writes always to the primary."""

    def db_for_read(self, model, **hints) -> str:
        # Also for the related objects of an instance read from the replica: outside
        # replica_reads they are read from the primary, not from where the instance came.
        return read_alias()

    def db_for_write(self, model, **hints) -> str:
        return DEFAULT_DB_ALIAS

    def allow_relation(self, obj1, obj2, **hints) -> bool | None:
        # The replica holds the primary's rows: an object read there may be linked to one read here.
        same_data = {DEFAULT_DB_ALIAS, replica_alias()}
        if obj1._state.db in same_data and obj2._state.db in same_data:
            return True
        return None


class ReadYourWritesMiddleware:
    """After a user's successful write, that user's reads come from the primary for
    READ_YOUR_WRITES_SECONDS: the page the write redirects to shows it, whatever the replica's lag.

    Placed after AuthenticationMiddleware (it reads request.user and the session). Does nothing
    without a replica configured (no session write either).
    """

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        if replica_alias() is None:
            return self.get_response(request)
        session = getattr(request, "session", None)
        wrote_at = session.get(WROTE_AT) if session is not None else None
        window = getattr(settings, "READ_YOUR_WRITES_SECONDS", 10)
        recent = isinstance(wrote_at, int | float) and 0 <= time.time() - wrote_at < window
        with primary_reads() if recent else contextlib.nullcontext():
            response = self.get_response(request)
        user = getattr(request, "user", None)
        if (
            request.method in WRITE_METHODS
            and response.status_code < 400
            and session is not None
            and user is not None
            and user.is_authenticated
        ):
            session[WROTE_AT] = time.time()
        return response

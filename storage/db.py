"""Opening the database: engine, sessions, atomic migrations, one-line errors.

SQLite runs every writing transaction as ``BEGIN IMMEDIATE`` (one writer at a time, no
read-then-upgrade deadlocks between overlapping runs) and its schema changes inside that
transaction, so a run killed during its very first start leaves either no schema or a
complete one. PostgreSQL migrations take an advisory lock, so two first runs cannot race.
"""

from __future__ import annotations

import re
import sqlite3
import time
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

from alembic import command
from alembic.config import Config
from alembic.runtime.migration import MigrationContext
from alembic.script import ScriptDirectory
from sqlalchemy import Connection, Engine, create_engine, event
from sqlalchemy.exc import DataError, DBAPIError, IntegrityError, SQLAlchemyError
from sqlalchemy.orm import Session, sessionmaker

from common.errors import RefusedWrite, StorageError, UsageError
from storage import textfold

_MIGRATIONS = Path(__file__).parent / "migrations"
_READ_ONLY = "simak_read_only"
_MIGRATION_LOCK = 0x51AA_0001  # pg_advisory_xact_lock key for schema changes
#: How long a run waits for another process's SQLite migration before giving up.
MIGRATION_WAIT_S = 300.0
#: The largest id every database stores (PostgreSQL's integer; SQLite's go further).
MAX_ID = 2**31 - 1
_PASSWORD = re.compile(r"(?<=://)([^:/@\s]*):[^@\s]*@")
_QUERY_PASSWORD = re.compile(r"(?i)([?&]password=)[^&#\s]+")  # ...?host=h&password=pw


def hide_password(url: str) -> str:
    """``url`` with any password replaced by ``***`` (safe to print or log)."""
    return _QUERY_PASSWORD.sub(r"\1***", _PASSWORD.sub(r"\1:***@", url))


def _sqlite_connect(dbapi_connection: Any, _record: Any) -> None:
    # Simak, not pysqlite, decides where transactions begin (see _sqlite_begin).
    dbapi_connection.isolation_level = None
    cursor = dbapi_connection.cursor()
    cursor.execute("PRAGMA busy_timeout=15000")  # first: the WAL switch below may wait
    cursor.execute("PRAGMA journal_mode=WAL")  # readers never block the writer
    cursor.execute("PRAGMA foreign_keys=ON")
    cursor.execute("PRAGMA synchronous=NORMAL")
    cursor.close()
    textfold.register(dbapi_connection)  # e-mail addresses lower-cased as PostgreSQL does


def _sqlite_begin(conn: Connection) -> None:
    read_only = conn.get_execution_options().get(_READ_ONLY, False)
    conn.exec_driver_sql("BEGIN" if read_only else "BEGIN IMMEDIATE")


def _alembic_config() -> Config:
    cfg = Config()
    cfg.set_main_option("script_location", str(_MIGRATIONS))
    return cfg


class Database:
    """An engine plus session factories for one database URL."""

    def __init__(self, url: str, *, echo: bool = False) -> None:
        self.url = url
        self.safe_url = hide_password(url)
        try:
            self.engine: Engine = create_engine(url, echo=echo, pool_pre_ping=True)
        except (SQLAlchemyError, ImportError, ValueError) as exc:
            raise StorageError(
                f"cannot open database {self.safe_url}: {self._reason(exc)}; check "
                "storage.url in the config or SIMAK_DATABASE_URL"
            ) from None
        self.dialect = self.engine.dialect.name
        if self.dialect == "sqlite":
            event.listen(self.engine, "connect", _sqlite_connect)
            event.listen(self.engine, "begin", _sqlite_begin)
        self._writer = sessionmaker(self.engine, expire_on_commit=False)
        self._reader = sessionmaker(
            self.engine.execution_options(**{_READ_ONLY: True}), expire_on_commit=False
        )

    @contextmanager
    def session(self) -> Iterator[Session]:
        """A writing transaction: committed on success, rolled back on any error."""
        with self._translated(), self._writer() as session, session.begin():
            yield session

    @contextmanager
    def read(self) -> Iterator[Session]:
        """A reading transaction (never takes SQLite's write lock)."""
        with self._translated(), self._reader() as session, session.begin():
            yield session

    @contextmanager
    def _translated(self) -> Iterator[None]:
        try:
            yield
        except IntegrityError as exc:
            raise self.refused(exc) from None
        except DataError as exc:
            raise self.bad_value(exc) from None
        except OverflowError as exc:
            if not _driver_overflow(exc):  # Python's own arithmetic: a bug, not the input
                raise
            raise self.bad_value(exc) from None
        except DBAPIError as exc:
            raise self.error(exc) from None

    def bad_value(self, exc: BaseException) -> UsageError:
        """One line for a value the database cannot store (an id past its integers, a NUL
        in text): the value given is at fault, not the database or its URL."""
        return UsageError(
            f"the database cannot take a value given ({self._reason(exc)}); check the ids and "
            f"text given: an id is a whole number up to {MAX_ID:,}, text has no NUL (0x00)"
        )

    def refused(self, exc: BaseException) -> RefusedWrite:
        """One line for a constraint that refused a write (a bug: nothing was saved)."""
        reason = self._reason(exc)
        return RefusedWrite(
            f"database {self.safe_url} refused a change: {reason}; nothing was saved and "
            "re-running is safe. If it happens again it is a bug in Simak: please report it"
        )

    def error(self, exc: BaseException, doing: str = "use") -> StorageError:
        """One line naming the database, what went wrong and what to do."""
        reason = self._reason(exc)
        return StorageError(f"cannot {doing} database {self.safe_url}: {reason}; {_advice(reason)}")

    def _reason(self, exc: BaseException) -> str:
        orig = getattr(exc, "orig", None) or exc
        text = " ".join(str(orig).split()) or type(orig).__name__
        text = hide_password(text).replace(self.url, self.safe_url)
        return text[:300]

    def current_revision(self) -> str | None:
        """The schema revision the database is at (None for an empty database); a read,
        so another process's open write transaction does not make it wait."""
        reader = self.engine.execution_options(**{_READ_ONLY: True})
        with self._translated(), reader.connect() as conn:
            return MigrationContext.configure(conn).get_current_revision()

    def head_revision(self) -> str | None:
        """The newest schema revision this version of Simak knows."""
        return ScriptDirectory.from_config(_alembic_config()).get_current_head()

    def upgrade(self, wait_s: float = MIGRATION_WAIT_S) -> bool:
        """Bring the schema to the newest revision atomically; True if anything ran.

        Another process's migration holds the SQLite write lock for as long as it runs
        (many seconds on a busy machine, longer than the busy timeout): wait for it up to
        ``wait_s``, then find the schema done."""
        if self._is_current():  # the usual case: no write lock, so no waiting for a writer
            return False
        deadline = time.monotonic() + wait_s
        while True:
            try:
                return self._upgrade_once()
            except StorageError as exc:
                locked = "locked" in str(exc).lower()
                if not locked or self.dialect != "sqlite" or time.monotonic() > deadline:
                    raise
                time.sleep(0.5)

    def _is_current(self) -> bool:
        """Whether the schema is at the newest revision, read without taking SQLite's write
        lock. A database that cannot be reached is reported now (not tried twice, a server's
        connect timeout each); a locked one goes on to the migration path, which waits."""
        try:
            return self.current_revision() == self.head_revision()
        except StorageError as exc:
            if "locked" in str(exc).lower():
                return False
            raise

    def _upgrade_once(self) -> bool:
        try:
            with self.engine.connect() as conn:
                # Table rebuilds must not cascade deletes; settable only outside a transaction,
                # so on the driver's connection (SQLAlchemy's would begin one first).
                self._sqlite_pragma(conn, "PRAGMA foreign_keys=OFF")
                try:
                    return self._upgrade_in_transaction(conn)
                finally:
                    self._sqlite_pragma(conn, "PRAGMA foreign_keys=ON")
        except IntegrityError as exc:
            raise StorageError(
                f"cannot migrate database {self.safe_url}: rows already stored break a rule "
                f"the new schema adds ({self._reason(exc)}); nothing was changed — keep "
                "using the previous Simak version and report this (it is a bug in Simak)"
            ) from None
        except (SQLAlchemyError, OSError) as exc:
            raise self.error(exc, "migrate") from None

    def missing_file(self) -> bool:
        """A SQLite URL whose file does not exist yet (connecting would create it)."""
        if self.dialect != "sqlite" or self.url.startswith("sqlite:///:memory:"):
            return False
        return not Path(self.url.removeprefix("sqlite:///")).is_file()

    def knows(self, revision: str) -> bool:
        """Whether this Simak has ``revision`` among its migrations."""
        scripts = ScriptDirectory.from_config(_alembic_config())
        return revision in {rev.revision for rev in scripts.walk_revisions()}

    def _refuse_unknown(self, current: str | None, head: str | None) -> None:
        """A schema written by a newer Simak (this one has no migration to or from it)."""
        if current is None:
            return
        if not self.knows(current):
            raise StorageError(
                f"database {self.safe_url} is at schema revision {current}, which this Simak "
                f"does not know (its newest is {head}): a newer Simak upgraded it; install "
                "that version again, or point storage.url at another database"
            )

    def _sqlite_pragma(self, conn: Connection, pragma: str) -> None:
        if self.dialect == "sqlite":
            driver = conn.connection.driver_connection
            assert driver is not None
            driver.execute(pragma)

    def _upgrade_in_transaction(self, conn: Connection) -> bool:
        head = self.head_revision()
        with conn.begin():
            if self.dialect == "postgresql":
                conn.exec_driver_sql(f"SELECT pg_advisory_xact_lock({_MIGRATION_LOCK})")
            # Checked inside the transaction: a run that waited for another's migration
            # sees the finished schema and does nothing.
            current = MigrationContext.configure(conn).get_current_revision()
            if current == head:
                return False
            self._refuse_unknown(current, head)
            cfg = _alembic_config()
            cfg.attributes["connection"] = conn
            command.upgrade(cfg, "head")
            if self.dialect == "sqlite":
                broken = conn.exec_driver_sql("PRAGMA foreign_key_check").fetchall()
                if broken:
                    raise StorageError(
                        f"migrating {self.safe_url} would break {len(broken)} references; "
                        "nothing was changed — restore a backup or report this"
                    )
        return True

    def backup(self, target: Path) -> int:
        """Copy a SQLite database to ``target`` (a new file) with SQLite's online backup,
        which includes what is still in the write-ahead log (a plain copy of the file misses
        it) and never sees half a transaction; other runs keep working. Returns its size."""
        if self.dialect != "sqlite" or self.url.startswith("sqlite:///:memory:"):
            raise UsageError(
                f"simak db backup copies a SQLite file; back up {self.safe_url} with "
                "pg_dump (or your database host's backups)"
            )
        if target.exists():
            raise UsageError(f"{target} exists already; give a new file name")
        if self.missing_file():  # connecting would create an empty one
            raise StorageError(
                f"no database at {self.url.removeprefix('sqlite:///')} to back up; check "
                "storage.url in the config or SIMAK_DATABASE_URL"
            )
        try:
            with self.engine.connect() as conn:
                source = conn.connection.driver_connection
                assert isinstance(source, sqlite3.Connection)
                copy = sqlite3.connect(target)
                try:
                    source.backup(copy)
                finally:
                    copy.close()
        except (SQLAlchemyError, sqlite3.Error, OSError) as exc:
            target.unlink(missing_ok=True)
            raise StorageError(
                f"cannot back up {self.safe_url} to {target}: {self._reason(exc)}; check that "
                "the database exists and the target's folder is writable, then re-run"
            ) from None
        return target.stat().st_size

    def dispose(self) -> None:
        """Close every pooled connection."""
        self.engine.dispose()


def _advice(reason: str) -> str:
    low = reason.lower()
    if "readonly" in low or "read-only" in low or "permission denied" in low:
        if " for schema " in low or " for database " in low or " for table " in low:
            return (  # PostgreSQL: a grant, not a file mode
                "give the database user the rights Simak needs (e.g. GRANT CREATE, USAGE "
                "ON SCHEMA public TO that user), or point storage.url elsewhere"
            )
        return "make the database file and its folder writable, or point storage.url elsewhere"
    if ("disk" in low and "full" in low) or "no space" in low:
        return "free some disk space and re-run; nothing was half-written"
    if "unable to open" in low:
        return "check that the folder exists and is writable"
    if _wrong_login(low):
        return "check the database name, user and password in the URL (create the database first)"
    if "refused" in low or "could not connect" in low or "connection to server" in low:
        return "check that the database server is running and the URL is right"
    if "locked" in low or "timeout" in low:
        return "another Simak run holds the database; try again in a moment"
    if "no such table" in low or "no such column" in low or _missing_schema_object(low):
        return (
            "the database's schema is missing or damaged; run `simak db upgrade` (if it says "
            "the schema is current, a table was removed by hand: restore your last backup)"
        )
    return "check the database URL and that the database is reachable and writable"


def _wrong_login(low: str) -> bool:
    """The server answered but refused the login: a wrong password, or a user or database
    that does not exist there (checked before "connection to server", which PostgreSQL
    puts in front of every such refusal)."""
    if "authentication" in low or "password" in low:
        return True
    return "does not exist" in low and ("database " in low or "role " in low)


def _driver_overflow(exc: OverflowError) -> bool:
    """sqlite3 refusing an integer it cannot store ("Python int too large to convert to
    SQLite INTEGER"); any other OverflowError is Simak's own."""
    return "sqlite" in str(exc).lower()


def _missing_schema_object(low: str) -> bool:
    """PostgreSQL's 'relation "x" does not exist' / 'column "y" does not exist': a table or
    column missing, not a wrong database name or user."""
    return "does not exist" in low and ("relation " in low or "column " in low)


def make_sqlite_folder(url: str) -> None:
    """Create the folder of an SQLite file ``url`` (every command does, ``db upgrade`` too,
    so a first run in a new folder works whichever command comes first)."""
    if url.startswith("sqlite:///") and not url.startswith("sqlite:///:memory:"):
        parent = Path(url.removeprefix("sqlite:///")).expanduser().parent
        try:
            parent.mkdir(parents=True, exist_ok=True)
        except OSError as exc:
            raise StorageError(
                f"cannot create the folder {parent} for the database: {exc.strerror}; "
                "check the path in storage.url"
            ) from None


def open_database(url: str) -> Database:
    """Open ``url`` and create or upgrade its schema (first use needs no setup step)."""
    make_sqlite_folder(url)
    db = Database(url)
    db.upgrade()
    return db

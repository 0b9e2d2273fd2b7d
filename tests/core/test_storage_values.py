"""A value the database cannot take (an id past its integers, a NUL in text) is the value's
fault: a one-line usage error saying so, never "check the database URL" or a crash."""

from __future__ import annotations

from sqlalchemy import select

from common.errors import StorageError, UsageError
from storage.db import MAX_ID, Database, open_database
from storage.models import FollowUp, Person


def _refused(db: Database, statement: object) -> str | None:
    """What reading ``statement`` was refused with (None: it ran)."""
    try:
        with db.read() as session:
            session.execute(statement)  # type: ignore[call-overload]
    except StorageError:
        raise  # the database's fault: not this
    except UsageError as exc:
        return str(exc)
    return None


def test_an_id_past_the_databases_integers_is_a_usage_error(db_url: str) -> None:
    """Before: SQLite crashed (OverflowError, a 500 in the console) and PostgreSQL said
    "cannot use database ...: integer out of range; check the database URL"."""
    db = open_database(db_url)
    said = _refused(db, select(FollowUp.id).where(FollowUp.id == 10**25))
    assert said is not None and said.startswith("the database cannot take a value given (")
    assert "up to 2,147,483,647" in said and "URL" not in said and "\n" not in said
    past = _refused(db, select(FollowUp.id).where(FollowUp.id == MAX_ID + 1))
    assert (past is not None) == (db.dialect == "postgresql")  # SQLite goes to 2**63 - 1


def test_a_nul_in_text_is_a_usage_error_where_it_cannot_be_stored(db_url: str) -> None:
    db = open_database(db_url)
    said = _refused(db, select(Person.id).where(Person.display_name == "a\x00b"))
    if db.dialect == "postgresql":
        assert said is not None and "NUL (0x00)" in said and "URL" not in said
    else:
        assert said is None


def test_an_overflow_in_simaks_own_code_is_not_blamed_on_the_input(db_url: str) -> None:
    """Only the driver's refusal of a value is a usage error; Python's own OverflowError
    inside a transaction (a bug) stays what it is."""
    from datetime import datetime, timedelta

    import pytest

    with pytest.raises(OverflowError), open_database(db_url).session():
        _ = datetime.max + timedelta(days=1)

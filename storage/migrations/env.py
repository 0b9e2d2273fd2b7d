"""Alembic environment: Simak passes its own connection in ``config.attributes``."""

from __future__ import annotations

from alembic import context

from storage.models import Base

connection = context.config.attributes.get("connection")
if connection is None:  # pragma: no cover - always run through storage.db
    raise RuntimeError("run migrations through `simak db upgrade`, not the alembic CLI")


def include_name(name: str | None, type_: str, parent_names: object) -> bool:
    """procrastinate's tables (migration 0011) are not Simak's models: leave them out of
    `alembic check`."""
    return not (type_ == "table" and (name or "").startswith("procrastinate_"))


context.configure(
    connection=connection,
    include_name=include_name,
    target_metadata=Base.metadata,
    render_as_batch=connection.dialect.name == "sqlite",
    compare_type=True,
)
with context.begin_transaction():
    context.run_migrations()

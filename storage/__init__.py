"""Storage: SQLAlchemy models, migrations and queries."""

"""Alembic migrations of the survey service's database (shipped with the package)."""

"""Alembic migrations of the docintel database; run by docintel.store.db.init_db."""

"""SQLite storage: connection, migrations and repositories. All SQL lives in this package."""

from storage.db import Database, Tx

__all__ = ["Database", "Tx"]

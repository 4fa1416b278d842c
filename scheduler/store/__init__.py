"""The only package that talks to SQLite (through sqlite-utils); see :mod:`.core`."""

from scheduler.store.core import (
    DEFAULT_DB,
    ENV_VAR,
    GONE,
    MIGRATIONS,
    SCHEMA_VERSION,
    Store,
    default_path,
)

__all__ = ["DEFAULT_DB", "ENV_VAR", "GONE", "MIGRATIONS", "SCHEMA_VERSION", "Store", "default_path"]

"""The one place where EVAL_DATABASE_URL becomes the eventsourcing library's persistence
variables (PERSISTENCE_MODULE, SQLITE_DBNAME, POSTGRES_*, and the recorder that applies every
append to the read model in the same transaction)."""

from __future__ import annotations

import hashlib
from pathlib import Path
from urllib.parse import parse_qs, unquote, urlparse

from projections.recorders import recorder_topic


def persistence_env(database_url: str, pool_size: int = 4, create_tables: bool = True) -> dict[str, str]:
    url = urlparse(database_url)
    if url.scheme == "sqlite":
        path = unquote(url.path[1:] if url.path.startswith("/") and not url.netloc else url.netloc + url.path)
        Path(path).parent.mkdir(parents=True, exist_ok=True)
        return {"PERSISTENCE_MODULE": "eventsourcing.sqlite", "SQLITE_DBNAME": path, "SQLITE_LOCK_TIMEOUT": "30",
                "APPLICATION_RECORDER_TOPIC": recorder_topic("sqlite")}
    if url.scheme in ("postgresql", "postgres"):
        query = parse_qs(url.query)
        return {
            "PERSISTENCE_MODULE": "eventsourcing.postgres",
            # Every append also applies its events to the read model, in its own transaction.
            "APPLICATION_RECORDER_TOPIC": recorder_topic("postgresql"),
            "POSTGRES_DBNAME": url.path.lstrip("/") or "postgres",
            "POSTGRES_HOST": url.hostname or "127.0.0.1",
            "POSTGRES_PORT": str(url.port or 5432),
            "POSTGRES_USER": unquote(url.username or "postgres"),
            "POSTGRES_PASSWORD": unquote(url.password or ""),
            "POSTGRES_SCHEMA": query.get("schema", [""])[0],
            "POSTGRES_POOL_SIZE": str(pool_size),
            "POSTGRES_MAX_OVERFLOW": str(pool_size),
            # A request waits at most 2 seconds for a connection, then answers 503. No pre-ping:
            # the pool's pre-ping retries with a growing back-off (about 30 s before it gives
            # up); without it a dead connection fails at once, is discarded, and the pool
            # reconnects by itself once the database is back.
            "POSTGRES_CONNECT_TIMEOUT": "2",
            "POSTGRES_LOCK_TIMEOUT": "10",
            # Off: broken with two applications in one schema (design notes).
            "POSTGRES_ENABLE_DB_FUNCTIONS": "n",
            # Off when the service's role does not own the tables (the owner created them).
            "CREATE_TABLE": "y" if create_tables else "n",
        }
    raise ValueError(f"EVAL_DATABASE_URL must start with sqlite:/// or postgresql://, not {database_url!r}")


def store_kind(database_url: str) -> str:
    return "sqlite" if database_url.startswith("sqlite") else "postgresql"


def store_label(database_url: str) -> str:
    """Names a store (not its password) for files kept beside it, such as the chain's checkpoints."""
    url = urlparse(database_url)
    bare = url._replace(netloc=url.hostname or url.netloc.rsplit("@", 1)[-1]) if url.password else url
    return hashlib.sha256(bare.geturl().encode()).hexdigest()[:16]

"""What a PostgreSQL role that runs the service needs, and no more (README, Deployment): the
database's owner creates the tables, the triggers that keep the log append-only, and these
grants; the service runs as another role, which can read and append to the log and keep the
read models, but cannot update or delete an event or a link (the triggers refuse it, and only
the owner could remove them). UPDATE on the events table is granted only because the library
takes an EXCLUSIVE table lock to keep positions in commit order, which PostgreSQL allows to
roles with UPDATE; the trigger refuses any actual update."""

from __future__ import annotations

from eventsourcing.persistence import ApplicationRecorder
from psycopg import sql

from projections import chain, schema
from projections.store import ReadStore

KEPT = ("evidence_files", "auth_sessions", "auth_lockouts")  # plain tables the service keeps


def service_role_grants(store: ReadStore, recorder: ApplicationRecorder, role: str) -> list[str]:
    if not store.is_postgres:
        raise ValueError("roles and grants are PostgreSQL's; a SQLite store is a file its owner runs")
    name = sql.Identifier(role).as_string(None)
    namespace = store.prefix.rstrip(".") or "public"
    events = f"{store.prefix}{recorder.events_table_name}"  # type: ignore[attr-defined]
    read_models = sorted({*schema.DERIVED, *KEPT})
    return [
        f"GRANT USAGE ON SCHEMA {namespace} TO {name}",
        f"GRANT SELECT, INSERT, UPDATE ON {events} TO {name}",
        f"GRANT USAGE, SELECT ON ALL SEQUENCES IN SCHEMA {namespace} TO {name}",
        *(f"GRANT SELECT, INSERT ON {store.prefix}{table} TO {name}" for table in chain.APPEND_ONLY),
        *(f"GRANT SELECT, INSERT, UPDATE, DELETE ON {store.prefix}{table} TO {name}" for table in read_models),
    ]


def grant(store: ReadStore, recorder: ApplicationRecorder, role: str) -> list[str]:
    statements = service_role_grants(store, recorder, role)
    with store.transaction() as cur:
        for statement in statements:
            cur.execute(statement)
    return statements

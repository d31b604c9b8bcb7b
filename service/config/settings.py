"""Typed settings from the environment (prefix EVAL_). Built when the app or a command starts,
never at import time, so tests can build as many differently configured apps as they like."""

from __future__ import annotations

from pathlib import Path

from pydantic import AwareDatetime, Field
from pydantic_settings import BaseSettings, SettingsConfigDict


class Settings(BaseSettings):
    model_config = SettingsConfigDict(env_prefix="EVAL_", extra="ignore")

    # sqlite:///var/ledger.sqlite3 (embedded default) or postgresql://user:pass@host:port/db[?schema=s]
    database_url: str = "sqlite:///var/ledger.sqlite3"
    # Pins the clock's start (it then advances normally): rehearsals and tests.
    now: AwareDatetime | None = None
    # The bootstrap office administrator's token (first set-up and tests).
    admin_token: str | None = None
    # Phones' clocks drift: an occurrence up to this far in the future is still accepted.
    future_tolerance_minutes: int = 10
    # Connections per process on PostgreSQL (the library's default pools are large).
    pool_size: int = 4
    # Who signs the public notice and where objections may also be phoned in.
    county: str = "三江侗族自治县"
    office_name: str = "三江侗族自治县政务服务监督管理办公室"
    office_phone: str = "8627972"
    # The scheduler that closes periods and finalises notices (off only for tools and tests).
    scheduler: bool = True
    # Security (等保 2.0): login attempts per address per 15 minutes; API tokens' longest life;
    # how long the operation and login log is kept (never less than 6 months); the largest
    # request body; the browser origins allowed to call the API (none unless configured).
    login_per_address: int = 30
    token_days: int = 90
    audit_retention_days: int = Field(default=365, ge=183)
    max_body_bytes: int = 60 * 1024 * 1024
    cors_origins: list[str] = []
    objections_per_address: int = 10
    # Write requests refused without a login, per address and minute, before the address is
    # answered 429 at once; and the reverse proxies whose X-Forwarded-For is believed (none).
    anonymous_refusals_per_minute: int = 60
    trusted_proxies: list[str] = []
    # The hash chain's key (at least 32 characters), kept outside the database; unset, it is
    # generated at the first start into chain_key_file. Checkpoints of the chain's head are kept
    # outside the store too, one file per store in chain_checkpoints.
    # false when the service runs as a role that does not own the tables (README, Deployment):
    # the owner creates them, with `evalctl grant-service-role`.
    create_tables: bool = True
    chain_key: str | None = None
    chain_key_file: Path = Path("var/chain.key")
    chain_checkpoints: Path = Path("var/chain-checkpoints")

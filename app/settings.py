"""Settings from environment variables (prefix HILOS_), with defaults for one machine."""

from __future__ import annotations

from pathlib import Path

from pydantic import Field
from pydantic_settings import BaseSettings, SettingsConfigDict

from .paths import default_db

__all__ = ["Settings"]


class Settings(BaseSettings):
    model_config = SettingsConfigDict(env_prefix="HILOS_")

    db: Path = Field(default_factory=default_db, description="SQLite file of saved runs")
    database_url: str = Field(
        "",
        pattern=r"^(postgres(ql)?://.*)?$",
        description="PostgreSQL URL of a store shared by several replicas (replaces db)",
    )
    run_workers: int = Field(
        32, ge=1, le=256, description="live runs recorded at once (they mostly sleep)"
    )
    run_queue: int = Field(64, ge=0, le=1000, description="live runs waiting to start")
    run_cpu: float = Field(
        0.8,
        gt=0,
        le=64,
        description="CPU cores this process may keep busy before a waiting live run starts",
    )
    run_seconds: float = Field(5.0, gt=0, le=30, description="wall-time limit of one live run")
    max_source: int = Field(
        12_000, ge=100, le=60_000, description="longest program (characters) the site runs"
    )
    retry_after: int = Field(5, ge=1, description="Retry-After seconds when saturated")
    client_runs_per_minute: float = Field(
        30, ge=0, le=6000, description="live runs one client address may start a minute (0: any)"
    )
    client_burst: int = Field(6, ge=1, le=1000, description="live runs a client may start at once")
    max_body: int = Field(64 * 1024, ge=1024, le=16 * 1024 * 1024, description="request body limit")
    sandbox_scenarios: bool = Field(
        False, description="run the built-in scenarios in the sandbox too (users' programs always)"
    )
    sandbox_spares: int = Field(1, ge=0, le=16, description="sandbox workers started ahead")
    sandbox_memory_mb: int = Field(256, ge=64, le=16384, description="a program's memory (MiB)")
    sandbox_output_kb: int = Field(8192, ge=256, le=262144, description="a run's result (KiB)")
    frame_ancestors: str = Field(
        "*",
        pattern=r"^[^;,\r\n]+$",
        description="who may frame /embed pages (CSP frame-ancestors sources, space separated)",
    )
    public_url: str | None = Field(
        None,
        pattern=r"^https?://[^/?#\s]+(/[^?#\s]*)?$",
        description="the site's address for absolute links (share box, embeds, oEmbed)",
    )
    allowed_hosts: str = Field(
        "*", pattern=r"^[^\s,]+(\s*,\s*[^\s,]+)*$", description="Host headers answered, or *"
    )
    trusted_proxies: str = Field(
        "127.0.0.1, ::1",
        pattern=r"^[0-9A-Fa-f.:/*]+(\s*,\s*[0-9A-Fa-f.:/*]+)*$",
        description="addresses or CIDRs whose X-Forwarded-For/-Proto are believed, or *",
    )

    def store_target(self) -> str | Path:
        """Where runs are kept: the PostgreSQL URL when there is one, else the SQLite file."""
        return self.database_url or self.db

    @property
    def public_base(self) -> str | None:
        return self.public_url.rstrip("/") if self.public_url else None

    def host_list(self, value: str) -> list[str]:
        return [part.strip() for part in value.split(",") if part.strip()]

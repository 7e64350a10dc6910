"""Settings from environment variables (prefix HILOS_), with defaults for one machine."""

from __future__ import annotations

from pathlib import Path

from pydantic import Field
from pydantic_settings import BaseSettings, SettingsConfigDict

from .paths import HOME

__all__ = ["Settings"]


class Settings(BaseSettings):
    model_config = SettingsConfigDict(env_prefix="HILOS_")

    db: Path = Field(HOME / "var" / "hilos.sqlite3", description="SQLite file of saved runs")
    database_url: str = Field(
        "",
        pattern=r"^(postgres(ql)?://.*)?$",
        description="PostgreSQL URL of a store shared by several replicas (replaces db)",
    )
    run_workers: int = Field(2, ge=1, le=64, description="live runs recorded at once")
    run_queue: int = Field(8, ge=0, le=1000, description="live runs waiting for a worker")
    run_seconds: float = Field(5.0, gt=0, le=30, description="wall-time limit of one live run")
    max_source: int = Field(
        12_000, ge=100, le=60_000, description="longest program (characters) the site runs"
    )
    retry_after: int = Field(5, ge=1, description="Retry-After seconds when saturated")
    max_body: int = Field(64 * 1024, ge=1024, le=16 * 1024 * 1024, description="request body limit")
    frame_ancestors: str = Field(
        "*",
        pattern=r"^[^;,\r\n]+$",
        description="who may frame /embed pages (CSP frame-ancestors sources, space separated)",
    )

    def store_target(self) -> str | Path:
        """Where runs are kept: the PostgreSQL URL when there is one, else the SQLite file."""
        return self.database_url or self.db

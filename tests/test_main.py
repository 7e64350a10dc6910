"""The application factory takes its settings from the environment (HILOS_*)."""

from __future__ import annotations

from pathlib import Path

import pytest
from fastapi.testclient import TestClient

from app.main import create_app
from app.settings import Settings


def test_settings_come_from_the_environment(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    db = tmp_path / "elsewhere" / "runs.sqlite3"
    monkeypatch.setenv("HILOS_DB", str(db))
    monkeypatch.setenv("HILOS_RUN_WORKERS", "3")
    with TestClient(create_app()) as client:
        assert client.get("/healthz").json() == {"status": "ok"}
        settings = client.app.state.settings  # type: ignore[attr-defined]
    assert settings.db == db and settings.run_workers == 3
    assert db.exists()


def test_bad_settings_are_refused_with_the_name_of_the_setting(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.setenv("HILOS_RUN_WORKERS", "0")
    with pytest.raises(ValueError, match="run_workers"):
        Settings()


def test_every_setting_is_in_the_readme_table() -> None:
    readme = (Path(__file__).resolve().parents[1] / "README.md").read_text(encoding="utf-8")
    for name in Settings.model_fields:
        assert f"`HILOS_{name.upper()}`" in readme, f"HILOS_{name.upper()} is not documented"

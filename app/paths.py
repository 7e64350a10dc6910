"""Where the files beside the code live: `static/`, `templates/`, and the default database.

From a checkout they are next to `app/`; an installed package carries them inside `app/`
(copied there by the build, see setup.py). HILOS_HOME, when set, names a folder that holds
them instead (the container image sets it).
"""

from __future__ import annotations

import os
from pathlib import Path

__all__ = ["CHECKOUT", "HOME", "STATIC", "TEMPLATES", "default_db"]

_PACKAGE = Path(__file__).resolve().parent
# A source checkout: the project file is beside the package.
CHECKOUT = (_PACKAGE.parent / "pyproject.toml").is_file()


def _home() -> Path:
    if os.environ.get("HILOS_HOME"):
        return Path(os.environ["HILOS_HOME"])
    if (_PACKAGE / "templates").is_dir():
        return _PACKAGE
    return _PACKAGE.parent


HOME = _home()
STATIC = HOME / "static"
TEMPLATES = HOME / "templates"


def default_db() -> Path:
    """The SQLite file when HILOS_DB is not set: `var/hilos.sqlite3` in a checkout; for an
    installed package, the user's data folder (`$XDG_DATA_HOME/hilos`, by default
    `~/.local/share/hilos`), never inside site-packages."""
    if CHECKOUT:
        return _PACKAGE.parent / "var" / "hilos.sqlite3"
    data = os.environ.get("XDG_DATA_HOME") or str(Path.home() / ".local" / "share")
    return Path(data) / "hilos" / "hilos.sqlite3"

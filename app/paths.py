"""Where the files beside the package live: `static/`, `templates/`, and the default database.

From a checkout they are next to `app/`. An installed package (the container image) sets
HILOS_HOME to the folder that holds them.
"""

from __future__ import annotations

import os
from pathlib import Path

__all__ = ["HOME", "STATIC", "TEMPLATES"]

HOME = Path(os.environ.get("HILOS_HOME") or Path(__file__).resolve().parent.parent)
STATIC = HOME / "static"
TEMPLATES = HOME / "templates"

"""The build step pyproject.toml cannot say: the site's `static/` and `templates/` folders go
into the installed package (`app/static`, `app/templates`), so that `pip install .` gives a
`hilos` whose every command finds them (app/paths.py). Everything else is in pyproject.toml."""

from __future__ import annotations

import shutil
from pathlib import Path

from setuptools import setup
from setuptools.command.build_py import build_py

ROOT = Path(__file__).resolve().parent
ASSETS = ("static", "templates")


class build_py_with_assets(build_py):
    def run(self) -> None:
        super().run()
        for name in ASSETS:
            source = ROOT / name
            if source.is_dir():
                target = Path(self.build_lib) / "app" / name
                shutil.copytree(
                    source,
                    target,
                    dirs_exist_ok=True,
                    ignore=shutil.ignore_patterns("__pycache__", "*.pyc"),
                )


setup(cmdclass={"build_py": build_py_with_assets})

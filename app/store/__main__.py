"""`python -m app.store`: open the configured store, apply its migrations and write to it once.

Run before starting several uvicorn workers (the container image does): it exits 0 when the
store is ready, or prints one line and exits 3 when it is not, so the server never starts
with a database it cannot write.
"""

from __future__ import annotations

from ..settings import Settings
from . import writable_store


def main() -> int:
    store = writable_store(Settings().store_target())
    print(f"hilos: {store.dialect} store ready at {store.where}, schema {store.schema_version()}")
    store.close()
    return 0


if __name__ == "__main__":
    raise SystemExit(main())

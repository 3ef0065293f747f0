"""``python -m klickit_core.adapters.sql.migrations revision "message"``: autogenerate a
revision against a scratch SQLite database at the current head (a developer tool)."""

from __future__ import annotations

import sys
import tempfile

from alembic import command
from sqlalchemy import create_engine

from klickit_core.adapters.sql.migrations import HERE, config, upgrade


def _autogenerate(message: str) -> None:  # pragma: no cover - a developer tool
    with tempfile.TemporaryDirectory() as scratch:
        engine = create_engine(f"sqlite:///{scratch}/scratch.db")
        try:
            upgrade(engine)
            cfg = config(engine)
            cfg.set_main_option("file_template", "%%(rev)s_%%(slug)s")
            number = len(list((HERE / "versions").glob("[0-9]*.py"))) + 1
            command.revision(cfg, message=message, autogenerate=True, rev_id=f"{number:04d}")
        finally:
            engine.dispose()


def main() -> None:  # pragma: no cover - a developer tool
    if len(sys.argv) != 3 or sys.argv[1] != "revision":
        sys.exit('usage: python -m klickit_core.adapters.sql.migrations revision "message"')
    _autogenerate(sys.argv[2])


if __name__ == "__main__":  # pragma: no cover
    main()

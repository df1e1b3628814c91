"""Migrate the database to the newest schema (or to `{"revision": ...}`): invoked once by each deploy.

Alembic and the migrations ship in this function's package only (functions/migrate/Makefile); no other
function imports them. The database URL comes from the settings, as for every function.
"""
from __future__ import annotations

import logging
import sys
from pathlib import Path
from typing import Any

logger = logging.getLogger(__name__)
HERE = Path(__file__).resolve().parent
# In the package the migrations sit beside this module; in the repository, at its root.
SCRIPTS = next(path for path in (HERE / "migrations", HERE.parents[1] / "migrations") if path.is_dir())


def handler(event: dict[str, Any] | None, context: Any) -> dict[str, Any]:
    from alembic import command
    from alembic.config import Config
    from alembic.script import ScriptDirectory

    revision = str((event or {}).get("revision") or "head")
    config = Config()
    config.set_main_option("script_location", str(SCRIPTS))
    config.attributes["configure_logger"] = False
    try:
        command.upgrade(config, revision)
    finally:
        # The migrations load the layer now, not at init: its first import paused the garbage collector
        # (shared/__init__.py) and no handler factory will resume it, so this does.
        layer = sys.modules.get("shared")
        if layer is not None:
            layer.init_done()
    heads = sorted(ScriptDirectory.from_config(config).get_heads())
    logger.info("database migrated", extra={"revision": revision, "heads": heads})
    return {"migrated_to": revision, "heads": heads}

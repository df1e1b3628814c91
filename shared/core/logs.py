"""JSON logs: one line per request, never a body, a password or a hash."""
from __future__ import annotations

import logging
import os
import sys
from typing import Any

import pydantic_core

_RESERVED = frozenset(logging.LogRecord("", 0, "", 0, "", None, None).__dict__) | {"message", "asctime"}


class JsonFormatter(logging.Formatter):
    def format(self, record: logging.LogRecord) -> str:
        line: dict[str, Any] = {"level": record.levelname.lower(), "logger": record.name, "msg": record.getMessage()}
        line.update({key: value for key, value in record.__dict__.items() if key not in _RESERVED})
        if record.exc_info:
            line["error"] = record.exc_info[0].__name__ if record.exc_info[0] else "Exception"
            line["traceback"] = self.formatException(record.exc_info)
        # pydantic-core's encoder (a quarter of json.dumps's time): UTF-8 as it is, other types as their str().
        return pydantic_core.to_json(line, fallback=str).decode()


class _StdoutHandler(logging.StreamHandler):  # type: ignore[type-arg]
    """Writes to whatever sys.stdout is now (Lambda's, a test's capture), not the one at set-up."""

    @property
    def stream(self) -> Any:
        return sys.stdout

    @stream.setter
    def stream(self, value: Any) -> None:
        pass


def configure() -> logging.Logger:
    logger = logging.getLogger("tourbook")
    if not logger.handlers:
        handler = _StdoutHandler()
        handler.setFormatter(JsonFormatter())
        logger.addHandler(handler)
        logger.setLevel(os.environ.get("LOG_LEVEL", "INFO").upper())
        logger.propagate = False
    return logger


access_log = logging.getLogger("tourbook.access")


def access(msg: str, fields: dict[str, Any]) -> None:
    """`access_log.info(msg, extra=fields)` at the price of one line per request: no LogRecord and no look-up of
    the caller's file and line (which the JSON line leaves out) when INFO is off; the same record otherwise."""
    if access_log.isEnabledFor(logging.INFO):
        access_log.handle(access_log.makeRecord(access_log.name, logging.INFO, "", 0, msg, (), None, extra=fields))

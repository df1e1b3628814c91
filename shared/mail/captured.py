"""MAIL_BACKEND=local: mail is captured, not sent. Each message is a JSON file in `MAIL_LOCAL_DIR`, so every
process of the local gateway (and its isolated workers) sees the same mailbox; `GET /_local/mail` lists it."""
from __future__ import annotations

import base64
import datetime as dt
import json
import os
import re
import uuid
from pathlib import Path
from typing import Any

from shared.mail.config import mail_settings
from shared.mail.compose import Mail

_ID = re.compile(r"^[0-9a-f]{32}$")


def capture(mail: Mail) -> dict[str, Any]:
    """Keep the message; its HTML shows inline images as data: URLs (there is no MIME part to point at)."""
    directory = _directory()
    html = mail.html
    for image in mail.inline:
        data = base64.b64encode(image.content).decode()
        html = html.replace(f"cid:{image.cid}", f"data:{image.mimetype};base64,{data}")
    now = dt.datetime.now(dt.timezone.utc)
    item = {"id": uuid.uuid4().hex, "to": mail.to, "subject": mail.subject, "text": mail.text, "html": html,
            "created_at": now.isoformat(timespec="milliseconds").replace("+00:00", "Z")}
    name = f"{now.strftime('%Y%m%dT%H%M%S%f')}-{item['id']}.json"
    partial = directory / f".{name}.partial"
    partial.write_text(json.dumps(item))
    partial.replace(directory / name)  # whole or not at all: a reader never sees half a message
    names, keep = _names(directory, ordered=False), mail_settings().mail_local_keep
    if len(names) > keep:  # the oldest go
        for old in sorted(names)[:-keep]:
            (directory / old).unlink(missing_ok=True)
    return item


def messages(limit: int = 100) -> list[dict[str, Any]]:
    """The newest first."""
    directory = _directory()
    items = []
    for name in _names(directory)[::-1][:limit]:
        try:
            items.append(json.loads((directory / name).read_text()))
        except (OSError, ValueError):  # removed or replaced meanwhile
            continue
    return items


def _names(directory: Path, *, ordered: bool = True) -> list[str]:
    """The messages' file names, oldest first (they start with their capture time). Names, not paths: a capture
    looks at the whole mailbox, and sorting thousands of `Path`s cost it ~15 ms (strings: ~0.3 ms)."""
    names = [name for name in os.listdir(directory) if name.endswith(".json") and not name.startswith(".")]
    return sorted(names) if ordered else names


def message(message_id: str) -> dict[str, Any] | None:
    if not _ID.match(message_id):
        return None
    for path in _directory().glob(f"*-{message_id}.json"):
        loaded: dict[str, Any] = json.loads(path.read_text())
        return loaded
    return None


def clear() -> None:
    for path in _directory().glob("*.json"):
        path.unlink(missing_ok=True)


def _directory() -> Path:
    directory = Path(mail_settings().mail_local_dir)
    os.makedirs(directory, exist_ok=True)
    return directory

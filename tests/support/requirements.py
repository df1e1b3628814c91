"""Read the requirements files layers/export-requirements writes (pinned, with hashes on continuation lines)."""
from __future__ import annotations

from pathlib import Path

from packaging.requirements import Requirement


def read(path: Path) -> list[Requirement]:
    """Each requirement of `path`, without its `--hash` options; comments and blank lines skipped."""
    text = path.read_text(encoding="utf-8").replace("\\\n", " ")
    entries = (line.split(" --hash=")[0].strip() for line in text.splitlines())
    return [Requirement(entry) for entry in entries if entry and not entry.startswith(("#", "--"))]

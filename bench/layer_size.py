"""Bench: the unzipped size of the dependencies layer (and the packages of the functions that carry their own).

"after" builds each with the Makefile SAM runs (layers/dependencies, functions/docs, functions/migrate) into
bench/.work; "before" rebuilds the layer of BASELINE (Python 3.11, uv.lock's export, Swagger UI and Alembic
in the layer) the way its Makefile did: pip --target for CPython 3.11 and manylinux <= 2_26, compiled by 3.11.
Sizes are the sum of the files' sizes (what Lambda's 250 MB unzipped limit counts), in MiB.
"""
from __future__ import annotations

import shutil
import subprocess
from pathlib import Path
from typing import Any

from bench.common import ROOT, WORK, log

BASELINE = "230dbc0"  # the last commit on Python 3.11 with uv.lock
MIB = 1024 * 1024


def _size(folder: Path) -> int:
    return sum(path.stat().st_size for path in folder.rglob("*") if path.is_file() and not path.is_symlink())


def _python(version: str) -> str:
    return subprocess.run([str(ROOT / "bin" / "python3.13")], capture_output=True, text=True,
                          check=True).stdout.strip() if version == "3.13" else _pyenv(version)


def _pyenv(version: str) -> str:
    root = subprocess.run(["pyenv", "root"], capture_output=True, text=True, check=True).stdout.strip()
    return str(sorted(Path(root, "versions").glob(f"{version}.*/bin/python{version}"))[-1])


def _make(makefile: Path, target: str, artifacts: Path) -> int:
    shutil.rmtree(artifacts, ignore_errors=True)
    artifacts.mkdir(parents=True)
    subprocess.run(["make", "--makefile", str(makefile), target, f"ARTIFACTS_DIR={artifacts}",
                    f"PYTHON={_python('3.13')}"], cwd=makefile.parent, check=True, capture_output=True)
    return _size(artifacts)


def _baseline_layer(artifacts: Path) -> int:
    shutil.rmtree(artifacts, ignore_errors=True)
    requirements = WORK / "baseline-requirements.txt"
    requirements.write_text(subprocess.run(["git", "show", f"{BASELINE}:layers/dependencies/requirements.txt"],
                                           cwd=ROOT, capture_output=True, text=True, check=True).stdout)
    python = _pyenv("3.11")
    platforms = [flag for minor in range(5, 27) for flag in ("--platform", f"manylinux_2_{minor}_x86_64")]
    subprocess.run([python, "-m", "pip", "install", "--quiet", "--disable-pip-version-check", "--no-deps",
                    "--no-compile", "--only-binary=:all:", *platforms, "--platform", "manylinux2014_x86_64",
                    "--implementation", "cp", "--python-version", "3.11", "--target", str(artifacts / "python"),
                    "--requirement", str(requirements)], check=True, capture_output=True)
    subprocess.run([python, "-m", "compileall", "-q", "-j", "0", "--invalidation-mode", "unchecked-hash",
                    str(artifacts / "python")], check=True, capture_output=True)
    return _size(artifacts)


def run() -> dict[str, Any]:
    WORK.mkdir(parents=True, exist_ok=True)
    out = WORK / "layer_size"
    log("layer size: the baseline's layer (Python 3.11)")
    before = _baseline_layer(out / "before")
    log("layer size: today's layer and own packages (Python 3.13)")
    after = _make(ROOT / "layers" / "dependencies" / "Makefile", "build-DependenciesLayer", out / "layer")
    docs = _make(ROOT / "functions" / "docs" / "Makefile", "build-GetDocsFunction", out / "docs")
    migrate = _make(ROOT / "functions" / "migrate" / "Makefile", "build-MigrateFunction", out / "migrate")
    return {
        "what": "unzipped size in MiB (sum of file sizes)",
        "baseline": BASELINE,
        "dependencies_layer_before_mib": round(before / MIB, 1),
        "dependencies_layer_after_mib": round(after / MIB, 1),
        "smaller_by_mib": round((before - after) / MIB, 1),
        "get_docs_package_mib": round(docs / MIB, 1),
        "migrate_package_mib": round(migrate / MIB, 1),
    }

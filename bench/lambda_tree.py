"""A Lambda-like file tree under bench/.work: the function code, the shared layer, the dependencies layer.

On Lambda, `sys.path` is the function's CodeUri folder (/var/task), then the layers (/opt/python), then
the standard library; every layer ships bytecode (layers/*/Makefile). Here:

- `deps/`: `pip install --target` of the runtime requirements only, compiled like the layer, so dev-only
  packages (cryptography, which PyJWT imports when it is there) do not distort the numbers;
- `lambda/task/functions/...`: a copy of functions/ (one CodeUri folder per function); a folder with a
  requirements.txt of its own (docs, migrate) gets those packages installed into it, as its Makefile does
  for SAM, and the migrate folder the migrations;
- `lambda/opt/python/shared`: a copy of shared/ (the shared layer);

all compiled with `compileall --invalidation-mode unchecked-hash`, as the layers' Makefiles do.
"""
from __future__ import annotations

import hashlib
import shutil
import subprocess
from dataclasses import dataclass
from pathlib import Path

from bench.common import PYTHON, ROOT, WORK, Function, log

REQUIREMENTS = ROOT / "layers" / "dependencies" / "requirements.txt"
DEPS = WORK / "deps"
TREE = WORK / "lambda"
TASK = TREE / "task"
LAYER = TREE / "opt" / "python"
SCRATCH = TREE / "cwd"  # an empty working directory: no .env to read


@dataclass(frozen=True)
class LambdaTree:
    deps: Path
    layer: Path
    task: Path
    cwd: Path
    requirements_source: str

    def sys_path(self, function: Function) -> list[str]:
        """What Lambda puts before the standard library for this function."""
        return [str(self.task / function.code_uri), str(self.layer), str(self.deps)]

    def all_functions_path(self) -> list[str]:
        """One process importing every function by its package name (functions.auth.get_me, ...)."""
        return [str(self.task), str(self.layer), str(self.deps)]


def build() -> LambdaTree:
    WORK.mkdir(parents=True, exist_ok=True)
    requirements, source = _requirements()
    _install_dependencies(requirements)
    shutil.rmtree(TREE, ignore_errors=True)
    ignore = shutil.ignore_patterns("__pycache__", "*.pyc")
    shutil.copytree(ROOT / "functions", TASK / "functions", ignore=ignore)
    shutil.copytree(ROOT / "shared", LAYER / "shared", ignore=ignore)
    _install_own_packages()
    SCRATCH.mkdir(parents=True)
    _compile(TREE)
    return LambdaTree(deps=DEPS, layer=LAYER, task=TASK, cwd=SCRATCH, requirements_source=source)


def _requirements() -> tuple[Path, str]:
    if not REQUIREMENTS.exists():
        subprocess.run([str(ROOT / "layers" / "export-requirements")], cwd=ROOT, check=True)
    return REQUIREMENTS, str(REQUIREMENTS.relative_to(ROOT))


def _install_dependencies(requirements: Path) -> None:
    digest = hashlib.sha256(requirements.read_bytes()).hexdigest()
    stamp = DEPS / ".requirements.sha256"
    if stamp.exists() and stamp.read_text() == digest:
        return
    log(f"installing the runtime dependencies into {DEPS.relative_to(ROOT)}")
    shutil.rmtree(DEPS, ignore_errors=True)
    _pip_install(requirements, DEPS)
    _compile(DEPS)
    stamp.write_text(digest)


def _install_own_packages() -> None:
    """What SAM's Makefiles put in the packages of GetDocsFunction and MigrateFunction."""
    for requirements in (ROOT / "functions").glob("*/requirements.txt"):
        folder = TASK / requirements.parent.relative_to(ROOT)
        _pip_install(requirements, folder)
    shutil.copytree(ROOT / "migrations", TASK / "functions" / "migrate" / "migrations",
                    ignore=shutil.ignore_patterns("__pycache__", "*.pyc"))


def _pip_install(requirements: Path, target: Path) -> None:
    subprocess.run(
        [PYTHON, "-m", "pip", "install", "--quiet", "--disable-pip-version-check", "--no-deps", "--require-hashes",
         "--only-binary=:all:", "--target", str(target), "-r", str(requirements)],
        cwd=ROOT, check=True,
    )


def _compile(folder: Path) -> None:
    subprocess.run(
        [PYTHON, "-m", "compileall", "-q", "-j", "0", "--invalidation-mode", "unchecked-hash", str(folder)],
        check=True, stdout=subprocess.DEVNULL,
    )

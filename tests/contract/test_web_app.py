"""The web app's contract with the rest of the repository: its lock names no registry, its typed client is the
one the OpenAPI document generates, and its own (Vitest) tests pass."""
from __future__ import annotations

import json
from pathlib import Path

from tests.support.web import WEB, npm, require_node_modules


def _urls(node: object, key: str = "") -> list[tuple[str, str]]:
    if isinstance(node, dict):
        return [found for name, value in node.items() for found in _urls(value, name)]
    if isinstance(node, list):
        return [found for value in node for found in _urls(value, key)]
    return [(key, node)] if isinstance(node, str) and "://" in node else []


def test_the_lock_names_no_package_index() -> None:
    lock = json.loads((WEB / "package-lock.json").read_text())
    packages = lock["packages"]
    assert len(packages) > 100
    assert [name for name, package in packages.items() if "resolved" in package] == []
    # The only addresses npm writes besides `resolved` are where a package asks for funding...
    for name, package in packages.items():
        addresses = [url for _, url in _urls(package)]
        funding = [url for _, url in _urls(package.get("funding"))]
        assert addresses == funding, f"{name} names an address outside `funding`"
    # ...and `make web-lock` drops those too: the lock names no address at all.
    assert _urls(lock) == []
    assert "omit-lockfile-registry-resolved=true" in (WEB / ".npmrc").read_text().splitlines()


def test_the_typed_client_is_generated_from_the_current_openapi_document(tmp_path: Path) -> None:
    require_node_modules()
    fresh = tmp_path / "schema.d.ts"
    generated = npm("exec", "--", "openapi-typescript", "../functions/system/openapi.json",
                    "--default-non-nullable", "false", "-o", str(fresh))
    assert generated.returncode == 0, generated.stderr
    committed = (WEB / "src" / "api" / "schema.d.ts").read_text()
    assert committed == fresh.read_text(), "web/src/api/schema.d.ts is stale: run `make web-client`"


def test_the_web_apps_own_tests_pass() -> None:
    require_node_modules()
    run = npm("test", "--", "--reporter=dot")
    assert run.returncode == 0, run.stdout[-4000:] + run.stderr[-2000:]

"""The gateway serves the web app's build at / (a stand-in build here, so these run without Node)."""
from __future__ import annotations

from pathlib import Path

import pytest

from tests.e2e.conftest import GatewayFactory

INDEX = b'<!doctype html><html lang="en"><script type="module" src="/assets/app-3f2a1b.js"></script></html>'


@pytest.fixture
def dist(tmp_path: Path) -> Path:
    (tmp_path / "assets").mkdir()
    (tmp_path / "index.html").write_bytes(INDEX)
    (tmp_path / "assets" / "app-3f2a1b.js").write_text("console.log('tourbook')")
    (tmp_path / "favicon.svg").write_text("<svg xmlns='http://www.w3.org/2000/svg'/>")
    return tmp_path


def test_pages_get_index_html_uncached_and_hashed_assets_forever(gateway_factory: GatewayFactory, dist: Path) -> None:
    with gateway_factory("inprocess", GATEWAY_WEB_DIST=str(dist)) as gateway, gateway.client() as client:
        for path in ("/", "/tours/8c6f6c5e-1b7e-4c11-9d83-5a3c1f2b9e10", "/admin/check-in", "/bookings?status=pending"):
            page = client.get(path)
            assert (page.status_code, page.content) == (200, INDEX), path
            assert page.headers["content-type"].startswith("text/html")
            assert page.headers["cache-control"] == "no-cache"
        asset = client.get("/assets/app-3f2a1b.js")
        assert asset.status_code == 200
        assert asset.headers["cache-control"] == "public, max-age=31536000, immutable"
        assert asset.headers["content-type"].startswith("text/javascript")
        head = client.head("/")
        assert (head.status_code, head.content, head.headers["content-length"]) == (200, b"", str(len(INDEX)))
        assert client.get("/v1/health").json()["checks"]["database"] == "ok"  # the API is still the API


def test_assets_are_gzipped_for_browsers_that_accept_it_and_stay_cached_forever(
    gateway_factory: GatewayFactory, dist: Path,
) -> None:
    bundle = "export const catalogue = " + repr(["tour"] * 2000) + ";\n"  # a chunk worth compressing
    (dist / "assets" / "big-9c8d7e.js").write_text(bundle)
    with gateway_factory("inprocess", GATEWAY_WEB_DIST=str(dist)) as gateway, gateway.client() as client:
        zipped = client.get("/assets/big-9c8d7e.js", headers={"accept-encoding": "gzip"})
        assert (zipped.status_code, zipped.headers["content-encoding"]) == (200, "gzip")
        assert zipped.text == bundle  # httpx undid the gzip: the same file
        assert int(zipped.headers["content-length"]) < len(bundle) / 5
        assert zipped.headers["cache-control"] == "public, max-age=31536000, immutable"
        assert "accept-encoding" in zipped.headers["vary"].lower()
        plain = client.get("/assets/big-9c8d7e.js", headers={"accept-encoding": "identity"})
        assert "content-encoding" not in plain.headers and plain.text == bundle


def test_every_answer_has_a_strict_content_security_policy(gateway_factory: GatewayFactory, dist: Path) -> None:
    storage = {"AWS_ENDPOINT_URL": "http://127.0.0.1:5999"}
    with gateway_factory("inprocess", GATEWAY_WEB_DIST=str(dist), **storage) as gateway, gateway.client() as client:
        for path in ("/", "/assets/app-3f2a1b.js", "/assets/gone-000000.js"):
            headers = client.get(path).headers
            policy = dict(part.strip().split(" ", 1) for part in headers["content-security-policy"].split(";"))
            assert policy["default-src"] == "'self'"
            assert policy["script-src"] == "'self'"  # no inline script, no other origin
            assert policy["img-src"] == "'self' data: blob: http://127.0.0.1:5999"  # images live on the local S3
            assert policy["connect-src"] == "'self' http://127.0.0.1:5999"  # presigned uploads go there too
            assert policy["frame-ancestors"] == "'none'"
            assert headers["x-content-type-options"] == "nosniff"


def test_a_missing_asset_or_file_is_a_problem_not_the_app(gateway_factory: GatewayFactory, dist: Path) -> None:
    with gateway_factory("inprocess", GATEWAY_WEB_DIST=str(dist)) as gateway, gateway.client() as client:
        for path in ("/assets/app-old111.js", "/robots.txt", "/favicon.svg/x.js"):
            answer = client.get(path)
            assert answer.status_code == 404, path
            assert answer.headers["content-type"] == "application/problem+json"
            assert answer.json()["code"] == "not_found"
            assert answer.json()["request_id"] == answer.headers["x-request-id"]
        assert client.get("/assets/../../../etc/hostname").content == INDEX  # a page path, never a file outside
        dotted = client.get("/assets/%2e%2e/index.html")
        assert (dotted.content, dotted.headers["cache-control"]) == (INDEX, "no-cache")  # the page, not for a year
        posted = client.post("/tours", json={})  # only reads are pages; the gateway answers the rest
        assert posted.status_code in (404, 405)
        assert posted.headers["content-type"] == "application/problem+json"


def test_without_a_build_the_api_serves_and_the_root_says_how_to_build(
        gateway_factory: GatewayFactory, tmp_path: Path) -> None:
    with gateway_factory("inprocess", GATEWAY_WEB_DIST=str(tmp_path / "dist")) as gateway, gateway.client() as client:
        root = client.get("/")
        assert root.status_code == 404
        assert root.headers["content-type"] == "application/problem+json"
        assert "make web" in root.json()["detail"]
        assert client.get("/v1/health").status_code == 200

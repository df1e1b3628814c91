"""A browser's session over real HTTP through the gateway: the cookie jar does what a browser's does."""
from __future__ import annotations

import httpx

from tests.e2e.conftest import GatewayFactory
from tests.e2e.test_auth_journeys import PASSWORD, register, unique_email

CSRF = {"X-Requested-With": "tourbook"}


def test_a_browser_signs_in_refreshes_and_signs_out_with_only_the_cookie(gateway_factory: GatewayFactory) -> None:
    with gateway_factory("inprocess", COOKIE_SECURE="false") as gateway, gateway.client() as browser:
        email = unique_email()
        register(browser, email)
        signed_in = browser.post("/v1/auth/session", json={"email": email, "password": PASSWORD})
        assert signed_in.status_code == 200, signed_in.text
        assert "refresh_token" not in signed_in.json()
        assert "HttpOnly" in signed_in.headers["set-cookie"] and "SameSite=strict" in signed_in.headers["set-cookie"]
        first = browser.cookies["tb_refresh"]

        refreshed = browser.post("/v1/auth/session/refresh", headers=CSRF)  # the jar sends the cookie back
        assert refreshed.status_code == 200, refreshed.text
        assert browser.cookies["tb_refresh"] != first
        access = refreshed.json()["access_token"]
        me = browser.get("/v1/auth/me", headers={"Authorization": f"Bearer {access}"})
        assert me.json()["email"] == email.lower()

        assert browser.delete("/v1/auth/session", headers=CSRF).status_code == 204
        assert "tb_refresh" not in browser.cookies
        assert browser.get("/v1/auth/me", headers={"Authorization": f"Bearer {access}"}).status_code == 401
        with httpx.Client(base_url=gateway.url, cookies={"tb_refresh": first}) as thief:
            assert thief.post("/v1/auth/session/refresh", headers=CSRF).status_code == 401

"""A real OpenID Connect provider for the sign-in tests: oidc-provider-mock (Flask + Authlib) in a thread.

It signs ID tokens with an RSA key it publishes at /jwks, takes any client id and secret, and lets a test
"log in" as any subject by POSTing the authorization form. `rotate_key` (a route added here) replaces its
signing key, as a provider rotating its keys does.
"""
from __future__ import annotations

import datetime as dt
import logging
import threading
import urllib.parse
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass

import flask
import httpx
import joserfc.jwk
import oidc_provider_mock  # type: ignore[import-untyped]
import werkzeug.serving


@dataclass
class Provider:
    issuer: str

    def set_user(self, subject: str, **claims: object) -> None:
        assert httpx.put(f"{self.issuer}/users/{urllib.parse.quote(subject)}", json=claims).status_code == 204

    def rotate_key(self, kid: str) -> None:
        assert httpx.post(f"{self.issuer}/test/rotate-key", data={"kid": kid}).status_code == 204

    def log_in(self, authorize_url: str, subject: str) -> str:
        """The person picks `subject` at the provider's authorization page: where the provider redirects."""
        answer = httpx.post(authorize_url, data={"sub": subject})
        assert answer.status_code == 302, answer.text[:500]
        return answer.headers["location"]

    def id_token(self, *, client_id: str, subject: str, nonce: str) -> str:
        """An ID token issued to `client_id` the normal way (authorize, then the token endpoint)."""
        query = urllib.parse.urlencode({"response_type": "code", "client_id": client_id, "scope": "openid email",
                                        "redirect_uri": "http://127.0.0.1/cb", "state": "s", "nonce": nonce})
        back = self.log_in(f"{self.issuer}/oauth2/authorize?{query}", subject)
        code = urllib.parse.parse_qs(urllib.parse.urlsplit(back).query)["code"][0]
        token = httpx.post(f"{self.issuer}/oauth2/token", auth=(client_id, "secret"), data={
            "grant_type": "authorization_code", "code": code, "redirect_uri": "http://127.0.0.1/cb"})
        assert token.status_code == 200, token.text
        return str(token.json()["id_token"])


@contextmanager
def provider(*, token_max_age: dt.timedelta = dt.timedelta(hours=1), kid: str = "key-1") -> Iterator[Provider]:
    logging.getLogger("werkzeug").setLevel(logging.WARNING)  # one line per request otherwise
    app = oidc_provider_mock.app(require_nonce=True, access_token_max_age=token_max_age)

    @app.post("/test/rotate-key")  # type: ignore[untyped-decorator]
    def rotate_key() -> tuple[str, int]:
        new_kid = flask.request.form["kid"]
        flask.g.oidc_provider_mock_storage.jwk = joserfc.jwk.RSAKey.generate_key(
            private=True, parameters={"kid": new_kid})
        return "", 204

    server = werkzeug.serving.make_server("127.0.0.1", 0, app, threaded=True)
    thread = threading.Thread(target=server.serve_forever, kwargs={"poll_interval": 0.05}, daemon=True)
    thread.start()
    try:
        running = Provider(issuer=f"http://127.0.0.1:{server.server_port}")
        running.rotate_key(kid)
        yield running
    finally:
        server.shutdown()
        server.server_close()
        thread.join(5)

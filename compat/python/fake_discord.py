"""A small fake Discord for the social sign-in tests, and the Sesame set-up around it.

`FakeDiscord` (stdlib `http.server` in a thread) plays the OAuth 2.0 provider: its authorize
endpoint consents at once and redirects back with `code` and `state` (or, with `deny` set, with
`error=access_denied`, as Discord does when the user presses "Cancel"); its token endpoint takes
only a form POST with the registered client id and secret, the `authorization_code` grant, a
code it issued (once) and the redirect URI that code was issued for; `/api/v10/users/@me`
answers only tokens it issued, with `profile` as it is when asked.

`serve_sesame` runs a `sesame serve` pointed at it (`--discord-endpoint`); `add_discord_connector`
does seed 004's console steps through the Management API.
"""

from __future__ import annotations

import contextlib
import json
import os
import secrets
import threading
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Dict, Iterator, List, Optional, Tuple
from urllib.parse import parse_qs, urlencode, urlsplit

import requests

from conftest import Sesame, expect, free_port, start_process, stop_process, wait_until_ready

CLIENT_ID = "1180000000000000042"
CLIENT_SECRET = "fake-discord-client-secret"
MANAGEMENT_API = "https://default.logto.app/api"
PROFILE = {
    "id": "80351110224678912",
    "username": "nelly",
    "global_name": "Nelly",
    "discriminator": "0",
    "avatar": "8342729096ea3675442027381ff50dfe",
    "email": "nelly@discord.example",
    "verified": True,
}
# What Discord sends back when the user cancels on its consent screen.
ACCESS_DENIED = {
    "error": "access_denied",
    "error_description": "The resource owner or authorization server denied the request",
}


class FakeDiscord:
    """Discord's OAuth 2.0 endpoints, strict about what Sesame's connector must send."""

    def __init__(self, profile: dict) -> None:
        self.profile = dict(profile)  # whose account answers users/@me (tests may swap it)
        self.deny = False  # True: the user cancels at Discord (error=access_denied)
        self.codes: Dict[str, Tuple[str, str]] = {}  # code -> (redirect_uri, scope)
        self.tokens: Dict[str, str] = {}  # access token -> scope
        self.authorize_requests: List[Dict[str, str]] = []
        self.token_requests: List[Dict[str, str]] = []
        self.lock = threading.Lock()
        fake = self

        class Handler(BaseHTTPRequestHandler):
            def log_message(self, *args) -> None:  # keep pytest's output clean
                pass

            def do_GET(self) -> None:
                url = urlsplit(self.path)
                if url.path == "/oauth2/authorize":
                    fake.authorize(self, {k: v[0] for k, v in parse_qs(url.query).items()})
                elif url.path == "/api/v10/users/@me":
                    fake.me(self)
                else:
                    fake.send_json(self, 404, {"message": "404: Not Found", "code": 0})

            def do_POST(self) -> None:
                if urlsplit(self.path).path != "/api/v10/oauth2/token":
                    fake.send_json(self, 404, {"message": "404: Not Found", "code": 0})
                    return
                length = int(self.headers.get("Content-Length") or 0)
                fake.token(self, self.headers.get("Content-Type", ""), self.rfile.read(length).decode())

        self.server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.thread = threading.Thread(target=self.server.serve_forever, daemon=True)

    @property
    def base_url(self) -> str:
        return f"http://127.0.0.1:{self.server.server_address[1]}/"

    def start(self) -> "FakeDiscord":
        self.thread.start()
        return self

    def stop(self) -> None:
        self.server.shutdown()
        self.server.server_close()

    @staticmethod
    def send_json(handler: BaseHTTPRequestHandler, status: int, body: dict) -> None:
        data = json.dumps(body).encode()
        handler.send_response(status)
        handler.send_header("Content-Type", "application/json")
        handler.send_header("Content-Length", str(len(data)))
        handler.end_headers()
        handler.wfile.write(data)

    def authorize(self, handler: BaseHTTPRequestHandler, q: Dict[str, str]) -> None:
        with self.lock:
            self.authorize_requests.append(dict(q))
        scope = q.get("scope", "")
        if q.get("client_id") != CLIENT_ID or q.get("response_type") != "code" or "identify" not in scope.split():
            self.send_json(handler, 400, {"message": "Invalid OAuth2 request", "code": 50035})
            return
        redirect_uri = q.get("redirect_uri", "")
        if not redirect_uri.startswith(("http://", "https://")):
            self.send_json(handler, 400, {"message": "Invalid OAuth2 redirect_uri", "code": 50035})
            return
        if self.deny:
            back = dict(ACCESS_DENIED)
        else:
            code = secrets.token_urlsafe(24)
            with self.lock:
                self.codes[code] = (redirect_uri, scope)
            back = {"code": code}
        if "state" in q:
            back["state"] = q["state"]
        separator = "&" if urlsplit(redirect_uri).query else "?"
        handler.send_response(302)
        handler.send_header("Location", redirect_uri + separator + urlencode(back))
        handler.send_header("Content-Length", "0")
        handler.end_headers()

    def token(self, handler: BaseHTTPRequestHandler, content_type: str, body: str) -> None:
        if not content_type.startswith("application/x-www-form-urlencoded"):
            self.send_json(handler, 400, {"error": "invalid_request", "error_description": "form body required"})
            return
        form = {k: v[0] for k, v in parse_qs(body, keep_blank_values=True).items()}
        with self.lock:
            self.token_requests.append({**form, "client_secret": "******"})
            if form.get("client_id") != CLIENT_ID or form.get("client_secret") != CLIENT_SECRET:
                self.send_json(handler, 401, {"error": "invalid_client"})
                return
            if form.get("grant_type") != "authorization_code":
                self.send_json(handler, 400, {"error": "unsupported_grant_type"})
                return
            issued = self.codes.pop(form.get("code", ""), None)  # one use, even when refused
            if issued is None or form.get("redirect_uri") != issued[0]:
                self.send_json(handler, 400, {"error": "invalid_grant", "error_description": 'Invalid "code" in request.'})
                return
            access_token = secrets.token_urlsafe(24)
            self.tokens[access_token] = issued[1]
        self.send_json(handler, 200, {"access_token": access_token, "token_type": "Bearer", "expires_in": 604800,
                                      "refresh_token": secrets.token_urlsafe(24), "scope": issued[1]})

    def me(self, handler: BaseHTTPRequestHandler) -> None:
        auth = handler.headers.get("Authorization", "")
        with self.lock:
            scope = self.tokens.get(auth[len("Bearer "):]) if auth.startswith("Bearer ") else None
            profile = dict(self.profile)
        if scope is None:
            self.send_json(handler, 401, {"message": "401: Unauthorized", "code": 0})
            return
        if "email" not in scope.split():
            profile.pop("email", None)
            profile.pop("verified", None)
        self.send_json(handler, 200, profile)


@contextlib.contextmanager
def running_fake_discord(profile: Optional[dict] = None) -> Iterator[FakeDiscord]:
    fake = FakeDiscord(PROFILE if profile is None else profile).start()
    try:
        yield fake
    finally:
        fake.stop()


@contextlib.contextmanager
def serve_sesame(sesame_bin: Path, tmp: Path, name: str, fake: FakeDiscord) -> Iterator[Sesame]:
    """A `sesame serve` with its own data directory under `tmp` whose Discord connector talks
    to `fake`; its log is attached to failure reports as `name`."""
    server = Sesame(bin=sesame_bin, data_dir=tmp / "data", port=free_port())
    server.data_dir.mkdir()
    argv = [
        str(sesame_bin), "serve",
        "--data-dir", str(server.data_dir),
        "--listen", f"127.0.0.1:{server.port}",
        "--endpoint", server.base_url,
        "--discord-endpoint", fake.base_url,
    ]
    env = {"SESAME_LOG": "info,tower_http=debug", **os.environ, "RUST_BACKTRACE": "1", "NO_COLOR": "1"}
    proc = start_process(name, argv, tmp / f"{name}.log", env)
    try:
        wait_until_ready(
            name, proc,
            lambda: requests.get(server.url("/api/status"), timeout=1, allow_redirects=False).status_code == 204,
        )
        yield server
    finally:
        stop_process(proc)


def management_headers(sesame: Sesame, app_name: str = "ops") -> Dict[str, str]:
    """A machine-to-machine app's Management API token, as an Authorization header."""
    ops = sesame.cli("app create", "--name", app_name, "--type", "machine-to-machine", "--management-api")
    token = expect(
        requests.post(
            sesame.url("/oidc/token"),
            auth=(ops["id"], ops["secret"]),
            data={"grant_type": "client_credentials", "resource": MANAGEMENT_API, "scope": "all"},
            timeout=10,
        ),
        200,
    ).json()["access_token"]
    return {"Authorization": f"Bearer {token}"}


def add_discord_connector(sesame: Sesame, headers: Dict[str, str]) -> str:
    """Seed 004's console steps, through the Management API: add the Discord connector, put
    it in the sign-in experience, "None" as the sign-up identifier. Returns its id."""
    connector = expect(
        requests.post(
            sesame.url("/api/connectors"),
            json={"connectorId": "discord-universal",
                  "config": {"clientId": CLIENT_ID, "clientSecret": CLIENT_SECRET, "scope": "identify email"}},
            headers=headers, timeout=10,
        ),
        200,
    ).json()
    assert connector["target"] == "discord" and connector["type"] == "Social", connector
    expect(
        requests.patch(
            sesame.url("/api/sign-in-exp"),
            json={"socialSignInConnectorTargets": ["discord"],
                  "signUp": {"identifiers": [], "password": False, "verify": False}},
            headers=headers, timeout=10,
        ),
        200,
    )
    return connector["id"]

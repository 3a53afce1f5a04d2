"""Seed 004 ("Discord sign-in with Python and Logto") against Sesame, end to end.

A small fake Discord (stdlib `http.server` in a thread) plays the OAuth 2.0 provider: its
authorize endpoint consents at once and redirects back with `code` and `state`; its token
endpoint takes only a form POST with the registered client id and secret, the
`authorization_code` grant, a code it issued (once) and the redirect URI that code was issued
for; `/api/v10/users/@me` answers only tokens it issued. A `sesame serve` of this module's own
is pointed at it with `--discord-endpoint`.

As the operator does in seed 004, the Discord connector is created through the Management API
(`clientId`, `clientSecret`, `scope`) and added to the sign-in experience
(`socialSignInConnectorTargets`, no sign-up identifier). The "browser" then makes the calls
Sesame's hosted pages make ("Continue with Discord", then the `/callback/<connectorId>` page),
and Logto's Python SDK, asking for `UserInfoScope.identities`, finds the Discord identity in
`fetchUserInfo().identities`.
"""

from __future__ import annotations

import asyncio
import json
import os
import secrets
import threading
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Dict, List, Tuple
from urllib.parse import parse_qs, urlencode, urljoin, urlsplit

import pytest
import requests
from logto import UserInfoScope

from conftest import (
    App,
    Browser,
    Sesame,
    check_authorization_url,
    describe,
    expect,
    free_port,
    query,
    sdk_client,
    start_process,
    stop_process,
    wait_until_ready,
)

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


# --------------------------------------------------------------------------------------
# The fake Discord


class FakeDiscord:
    """Discord's OAuth 2.0 endpoints, strict about what Sesame's connector must send."""

    def __init__(self, profile: dict) -> None:
        self.profile = dict(profile)
        self.codes: Dict[str, Tuple[str, str]] = {}  # code -> (redirect_uri, scope)
        self.tokens: Dict[str, str] = {}  # access token -> scope
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
        scope = q.get("scope", "")
        if q.get("client_id") != CLIENT_ID or q.get("response_type") != "code" or "identify" not in scope.split():
            self.send_json(handler, 400, {"message": "Invalid OAuth2 request", "code": 50035})
            return
        redirect_uri = q.get("redirect_uri", "")
        if not redirect_uri.startswith(("http://", "https://")):
            self.send_json(handler, 400, {"message": "Invalid OAuth2 redirect_uri", "code": 50035})
            return
        code = secrets.token_urlsafe(24)
        with self.lock:
            self.codes[code] = (redirect_uri, scope)
        back = {"code": code, **({"state": q["state"]} if "state" in q else {})}
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


# --------------------------------------------------------------------------------------
# Fixtures: the fake, a Sesame pointed at it, the operator's setup (seed 004)


@pytest.fixture(scope="module")
def fake_discord():
    fake = FakeDiscord(PROFILE).start()
    try:
        yield fake
    finally:
        fake.stop()


@pytest.fixture(scope="module")
def social_sesame(sesame_bin, tmp_path_factory, fake_discord) -> Sesame:
    """A `sesame serve` of this module's own whose Discord connector talks to the fake."""
    tmp = tmp_path_factory.mktemp("sesame-social")
    server = Sesame(bin=sesame_bin, data_dir=tmp / "data", port=free_port())
    server.data_dir.mkdir()
    argv = [
        str(sesame_bin), "serve",
        "--data-dir", str(server.data_dir),
        "--listen", f"127.0.0.1:{server.port}",
        "--endpoint", server.base_url,
        "--discord-endpoint", fake_discord.base_url,
    ]
    env = {"SESAME_LOG": "info,tower_http=debug", **os.environ, "RUST_BACKTRACE": "1", "NO_COLOR": "1"}
    proc = start_process("sesame-social", argv, tmp / "sesame-social.log", env)
    try:
        wait_until_ready(
            "sesame-social", proc,
            lambda: requests.get(server.url("/api/status"), timeout=1, allow_redirects=False).status_code == 204,
        )
        yield server
    finally:
        stop_process(proc)


@pytest.fixture(scope="module")
def web_app(social_sesame) -> App:
    """The guide's traditional web app (its callback is only handed to the SDK, never served)."""
    base_url = "http://localhost:3000"
    created = social_sesame.cli(
        "app create", "--name", "Bookstore", "--type", "traditional",
        "--redirect-uri", base_url + "/callback", "--post-logout-redirect-uri", base_url + "/",
    )
    return App(id=created["id"], secret=created["secret"], base_url=base_url)


@pytest.fixture(scope="module")
def discord_connector(social_sesame) -> str:
    """Seed 004's console steps, through the Management API: add the Discord connector, put
    it in the sign-in experience, "None" as the sign-up identifier. Returns its id."""
    ops = social_sesame.cli("app create", "--name", "ops", "--type", "machine-to-machine", "--management-api")
    token = expect(
        requests.post(
            social_sesame.url("/oidc/token"),
            auth=(ops["id"], ops["secret"]),
            data={"grant_type": "client_credentials", "resource": MANAGEMENT_API, "scope": "all"},
            timeout=10,
        ),
        200,
    ).json()["access_token"]
    headers = {"Authorization": f"Bearer {token}"}
    connector = expect(
        requests.post(
            social_sesame.url("/api/connectors"),
            json={"connectorId": "discord-universal",
                  "config": {"clientId": CLIENT_ID, "clientSecret": CLIENT_SECRET, "scope": "identify email"}},
            headers=headers, timeout=10,
        ),
        200,
    ).json()
    assert connector["target"] == "discord" and connector["type"] == "Social", connector
    expect(
        requests.patch(
            social_sesame.url("/api/sign-in-exp"),
            json={"socialSignInConnectorTargets": ["discord"],
                  "signUp": {"identifiers": [], "password": False, "verify": False}},
            headers=headers, timeout=10,
        ),
        200,
    )
    return connector["id"]


# --------------------------------------------------------------------------------------
# The hosted pages' calls


def sign_in_with_discord(browser: Browser, sesame: Sesame, app: App, connector_id: str, auth_url: str) -> Tuple[str, int]:
    """From the SDK's authorization URL to the app's callback URL, as a user clicking
    "Continue with Discord" does. Returns the callback URL and the identification status
    (204 signed in, 201 registered)."""
    resp = expect(browser.get(auth_url), 303)
    page = resp.headers["Location"]
    assert page.startswith("/sign-in?") and query(page).get("app_id") == [app.id], describe(resp)
    expect(browser.follow(resp), 200)

    # The page lists the social connectors of the sign-in experience.
    settings = expect(browser.get(sesame.url("/api/.well-known/sign-in-exp")), 200).json()
    buttons = [c for c in settings["socialConnectors"] if c["target"] == "discord"]
    assert [c["id"] for c in buttons] == [connector_id], settings["socialConnectors"]
    assert buttons[0]["name"]["en"] == "Discord", buttons

    # "Continue with Discord": a SignIn interaction, then the connector session.
    expect(browser.api("PUT", sesame.url("/api/experience"), {"interactionEvent": "SignIn"}), 204)
    state = secrets.token_urlsafe(16)
    redirect_uri = sesame.url(f"/callback/{connector_id}")
    started = expect(
        browser.api("POST", sesame.url(f"/api/experience/verification/social/{connector_id}/authorization-uri"),
                    {"state": state, "redirectUri": redirect_uri}),
        200,
    ).json()
    verification_id = started["verificationId"]

    # Discord consents and sends the browser back to the callback page.
    at_discord = expect(browser.get(started["authorizationUri"]), 302)
    callback_page = at_discord.headers["Location"]
    assert callback_page.startswith(redirect_uri + "?"), describe(at_discord)
    assert query(callback_page).get("state") == [state], callback_page
    html = expect(browser.get(callback_page), 200)
    assert 'data-page="social-callback"' in html.text, describe(html)

    # The callback page: verify, identify (registering on the first visit), submit.
    connector_data = {k: v[0] for k, v in query(callback_page).items()}
    connector_data["redirectUri"] = redirect_uri
    verified = expect(
        browser.api("POST", sesame.url(f"/api/experience/verification/social/{connector_id}/verify"),
                    {"verificationId": verification_id, "connectorData": connector_data}),
        200,
    )
    assert verified.json()["verificationId"] == verification_id, describe(verified)
    identified = browser.api("POST", sesame.url("/api/experience/identification"), {"verificationId": verification_id})
    if identified.status_code == 404:
        assert identified.json()["code"] == "user.identity_not_exist", describe(identified)
        assert "relatedUser" not in (identified.json().get("data") or {}), describe(identified)
        expect(browser.api("PUT", sesame.url("/api/experience/interaction-event"), {"interactionEvent": "Register"}), 204)
        identified = browser.api("POST", sesame.url("/api/experience/identification"), {"verificationId": verification_id})
    assert identified.status_code in (201, 204), describe(identified)
    redirect_to = expect(browser.api("POST", sesame.url("/api/experience/submit"), {}), 200).json()["redirectTo"]
    back = expect(browser.get(redirect_to), 303)
    callback = back.headers["Location"]
    assert callback.startswith(app.redirect_uri + "?"), describe(back)
    assert query(callback).get("state") == query(auth_url)["state"], callback
    return callback, identified.status_code


def signed_in_client(sesame: Sesame, app: App, connector_id: str):
    client = sdk_client(sesame, app, scopes=[UserInfoScope.identities, UserInfoScope.email])
    auth_url = asyncio.run(client.signIn(redirectUri=app.redirect_uri))
    check_authorization_url(auth_url, sesame, app)
    assert "identities" in query(auth_url)["scope"][0].split(), auth_url
    with Browser() as browser:
        callback, status = sign_in_with_discord(browser, sesame, app, connector_id, auth_url)
    asyncio.run(client.handleSignInCallback(callback))
    return client, status


# --------------------------------------------------------------------------------------
# Tests


def test_continue_with_discord_registers_then_signs_in_and_the_sdk_sees_the_identity(
    social_sesame, web_app, discord_connector, fake_discord
):
    first, status = signed_in_client(social_sesame, web_app, discord_connector)
    assert status == 201, "the first Discord sign-in creates the account"
    info = asyncio.run(first.fetchUserInfo())
    discord = info.identities["discord"]
    assert discord.userId == PROFILE["id"]
    assert discord.details["id"] == PROFILE["id"]
    assert discord.details["name"] == PROFILE["username"]
    assert discord.details["avatar"] == f"https://cdn.discordapp.com/avatars/{PROFILE['id']}/{PROFILE['avatar']}"
    assert discord.details["email"] == PROFILE["email"]
    assert discord.details["rawData"]["username"] == PROFILE["username"]
    assert info.email == PROFILE["email"] and info.email_verified is True, info
    claims = first.getIdTokenClaims()
    assert claims.sub == info.sub and claims.iss == social_sesame.issuer

    # The code exchange Sesame made: a form POST with everything Discord requires.
    exchange = fake_discord.token_requests[-1]
    assert exchange["client_id"] == CLIENT_ID and exchange["grant_type"] == "authorization_code", exchange
    assert exchange["redirect_uri"] == social_sesame.url(f"/callback/{discord_connector}"), exchange

    again, status = signed_in_client(social_sesame, web_app, discord_connector)
    assert status == 204, "the second Discord sign-in finds the account"
    assert asyncio.run(again.fetchUserInfo()).sub == info.sub


def test_a_forged_state_is_refused_and_the_code_never_reaches_discord(social_sesame, web_app, discord_connector, fake_discord):
    client = sdk_client(social_sesame, web_app, scopes=[UserInfoScope.identities])
    auth_url = asyncio.run(client.signIn(redirectUri=web_app.redirect_uri))
    with Browser() as browser:
        expect(browser.get(auth_url), 303)
        expect(browser.api("PUT", social_sesame.url("/api/experience"), {"interactionEvent": "SignIn"}), 204)
        redirect_uri = social_sesame.url(f"/callback/{discord_connector}")
        path = f"/api/experience/verification/social/{discord_connector}"
        started = expect(browser.api("POST", social_sesame.url(path + "/authorization-uri"),
                                     {"state": "mine", "redirectUri": redirect_uri}), 200).json()
        callback_page = expect(browser.get(started["authorizationUri"]), 302).headers["Location"]
        exchanges = len(fake_discord.token_requests)
        data = {k: v[0] for k, v in query(callback_page).items()}
        data.update(redirectUri=redirect_uri, state="someone-elses")
        refused = browser.api("POST", social_sesame.url(path + "/verify"),
                              {"verificationId": started["verificationId"], "connectorData": data})
        assert refused.status_code == 400, describe(refused)
        assert refused.json()["code"] == "session.connector_validation_session_not_found", describe(refused)
        assert len(fake_discord.token_requests) == exchanges, "the code was not exchanged"


def test_direct_sign_in_reaches_the_sign_in_page(social_sesame, web_app, discord_connector):
    client = sdk_client(social_sesame, web_app)
    auth_url = asyncio.run(client.signIn(redirectUri=web_app.redirect_uri)) + "&direct_sign_in=social:discord"
    with Browser() as browser:
        resp = expect(browser.get(auth_url), 303)
    assert query(resp.headers["Location"]).get("direct_sign_in") == ["social:discord"], describe(resp)


def test_form_post_callbacks_are_turned_into_the_page_url(social_sesame, discord_connector):
    with Browser() as browser:
        resp = expect(browser.post_form(social_sesame.url(f"/callback/{discord_connector}"), {"code": "c", "state": "s t"}), 303)
        target = urljoin(resp.url, resp.headers["Location"])
        assert target.startswith(social_sesame.url(f"/callback/{discord_connector}?")), describe(resp)
        assert query(target) == {"code": ["c"], "state": ["s t"]}, target
        expect(browser.get(target), 200)

"""Sign in with Discord through the hosted pages, in a real browser (Debian's Chromium, driven
by Playwright): the Flask sample's /sign-in, Sesame's sign-in page and its "Continue with
Discord" button, the fake Discord (`fake_discord.py`), Sesame's /callback/<connectorId> page,
and back in the app, whose /protected/userinfo (the sample asks for the `identities` scope)
shows the Discord identity.

This module runs its own Sesame, pointed at the fake with `--discord-endpoint`, with the Discord
connector added through the Management API as seed 004 does ("None" as the sign-up identifier),
and its own Flask sample. Every test signs in as a Discord user of its own (the fake answers
users/@me with whatever profile it holds), so no test depends on another having run.
"""

from __future__ import annotations

import json
import os
import re
import secrets
import sys
import time
import uuid
from pathlib import Path
from typing import Dict, List, Optional

import pytest
import requests
from playwright.sync_api import TimeoutError as PlaywrightTimeout, expect as expect_page, sync_playwright

from conftest import (
    FLASK_SAMPLE, App, FlaskSample, Sesame, check_authorization_url, expect, free_port, start_process,
    stop_process, wait_until_ready,
)
from fake_discord import PROFILE, FakeDiscord, add_discord_connector, management_headers, running_fake_discord, serve_sesame

CHROMIUM = Path(os.environ.get("SESAME_TEST_CHROMIUM", "/usr/bin/chromium"))
# Chromium must not reach for the internet: this machine's network is closed.
CHROMIUM_ARGS = [
    "--headless", "--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
    "--disable-background-networking", "--disable-component-update", "--disable-sync",
]
TIMEOUT_MS = 15_000
SCOPES = "email,custom_data,identities"  # the sample's defaults, plus the user's identities
NO_SIGN_UP_IDENTIFIER = {"identifiers": [], "password": False, "verify": False}  # seed 004
USERNAME_SIGN_UP = {"identifiers": ["username"], "password": True, "verify": False}  # Sesame's default


# --------------------------------------------------------------------------------------
# This module's own servers: the fake Discord, a Sesame pointed at it, the Flask sample


@pytest.fixture(scope="module")
def fake_discord():
    with running_fake_discord() as fake:
        yield fake


@pytest.fixture(scope="module")
def sesame(sesame_bin, tmp_path_factory, fake_discord) -> Sesame:
    tmp = tmp_path_factory.mktemp("sesame-social-browser")
    with serve_sesame(sesame_bin, tmp, "sesame (social browser)", fake_discord) as server:
        yield server


@pytest.fixture(scope="module")
def management(sesame) -> Dict[str, str]:
    return management_headers(sesame, "ops (social browser)")


@pytest.fixture(scope="module")
def discord_connector(sesame, management) -> str:
    """The Discord connector, in the sign-in experience (socialSignInConnectorTargets), with
    "None" as the sign-up identifier, as seed 004 sets it up. Returns the connector's id."""
    return add_discord_connector(sesame, management)


@pytest.fixture(scope="module")
def flask_port() -> int:
    return free_port()


@pytest.fixture(scope="module")
def oidc_app(sesame, flask_port) -> App:
    base_url = f"http://localhost:{flask_port}"
    created = sesame.cli(
        "app create",
        "--name", "Flask sample",
        "--type", "traditional",
        "--redirect-uri", base_url + "/callback",
        "--post-logout-redirect-uri", base_url + "/",
    )
    return App(id=created["id"], secret=created["secret"], base_url=base_url)


@pytest.fixture(scope="module")
def flask_sample(sesame, oidc_app, flask_port, discord_connector, tmp_path_factory) -> FlaskSample:
    sample = FlaskSample(base_url=oidc_app.base_url)
    env = {
        **os.environ,
        "LOGTO_ENDPOINT": sesame.base_url,
        "LOGTO_APP_ID": oidc_app.id,
        "LOGTO_APP_SECRET": oidc_app.secret,
        "APP_BASE_URL": oidc_app.base_url,
        "PORT": str(flask_port),
        "FLASK_SECRET_KEY": secrets.token_hex(32),
        "LOGTO_SCOPES": SCOPES,
        "PYTHONUNBUFFERED": "1",
        "NO_COLOR": "1",
    }
    log = tmp_path_factory.mktemp("flask-social-browser") / "flask.log"
    proc = start_process("flask (social browser)", [sys.executable, str(FLASK_SAMPLE)], log, env)
    try:
        wait_until_ready(
            "flask (social browser)", proc,
            lambda: requests.get(sample.url("/"), timeout=1, allow_redirects=False).status_code == 200,
        )
        yield sample
    finally:
        stop_process(proc)


# --------------------------------------------------------------------------------------
# The browser


@pytest.fixture(scope="module")
def chromium():
    if not CHROMIUM.exists():
        pytest.fail(f"{CHROMIUM} is missing: scripts/test.sh installs Debian's chromium", pytrace=False)
    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=str(CHROMIUM), args=CHROMIUM_ARGS)
        yield browser
        browser.close()


@pytest.fixture
def new_page(chromium):
    """Pages in fresh browser contexts (no cookies, no session storage), closed after the test."""
    contexts = []

    def make():
        context = chromium.new_context()
        contexts.append(context)
        page = context.new_page()
        page.set_default_timeout(TIMEOUT_MS)
        return page

    yield make
    for context in contexts:
        context.close()


@pytest.fixture
def page(new_page):
    return new_page()


class Watch:
    """What a page went through: the URLs its main frame loaded, and the statuses of the
    hosted pages' POST /api/experience/identification calls."""

    def __init__(self, page, sesame: Sesame):
        self.urls: List[str] = []
        self.identifications: List[int] = []
        identification = sesame.url("/api/experience/identification")
        page.on("framenavigated", lambda frame: frame == page.main_frame and self.urls.append(frame.url))
        page.on("response", lambda r: r.url == identification and self.identifications.append(r.status))

    def visited(self, prefix: str) -> bool:
        return any(url.startswith(prefix) for url in self.urls)


# --------------------------------------------------------------------------------------
# Steps


def new_discord_user(fake: FakeDiscord, label: str) -> dict:
    """A Discord account of the test's own, which the fake signs in as from now on."""
    suffix = uuid.uuid4().hex[:8]
    profile = {
        **PROFILE,
        "id": str(80351110224678912 + int(suffix, 16)),
        "username": f"{label}_{suffix}",
        "global_name": label.capitalize(),
        "email": f"{label}-{suffix}@discord.example",
    }
    fake.profile = profile
    return profile


def open_sign_in(page, flask_sample: FlaskSample, sesame: Sesame):
    """The app's /sign-in -> Sesame's sign-in page."""
    page.goto(flask_sample.url("/sign-in"))
    page.wait_for_url(sesame.url("/sign-in?") + "**")
    expect_page(page.locator("#sign-in-form")).to_be_visible()


def discord_button(page, connector_id: str):
    """The "Continue with Discord" button (drawn once the page has the settings)."""
    button = page.locator(f'.social-button[data-connector-id="{connector_id}"]')
    expect_page(button).to_be_visible()
    expect_page(button).to_have_text("Continue with Discord")
    expect_page(button).to_be_enabled()
    return button


def finish_on_callback(page, flask_sample: FlaskSample, username: Optional[str] = None) -> bool:
    """After Discord: wait until the app is back, choosing `username` (or a fresh one) if
    the callback page asks for one. Returns whether it asked."""
    home = flask_sample.url("/")
    asked = False
    deadline = time.monotonic() + TIMEOUT_MS / 1000
    while page.url != home:
        if not asked and page.locator("#new-username").is_visible():
            asked = True
            page.fill("#new-username", username or f"discord_{uuid.uuid4().hex[:8]}")
            page.click("#submit")
        if time.monotonic() > deadline:
            break
        page.wait_for_timeout(50)
    assert_back_in_the_app(page, flask_sample)
    return asked


def assert_back_in_the_app(page, flask_sample: FlaskSample):
    try:
        page.wait_for_url(flask_sample.url("/"))
    except PlaywrightTimeout:
        error = page.locator("#error").inner_text() if page.locator("#error").count() else ""
        pytest.fail(f"never got back to the app: still on {page.url}, #error says {error!r}", pytrace=False)
    expect_page(page.locator("body")).to_contain_text("Authenticated")
    expect_page(page.locator("body")).not_to_contain_text("Not authenticated")


def userinfo(page, flask_sample: FlaskSample) -> dict:
    """The sample's /protected/userinfo: the SDK's fetchUserInfo(), rendered as JSON."""
    page.goto(flask_sample.url("/protected/userinfo"))
    expect_page(page.locator("h2")).to_have_text("User info")
    text = page.locator("body").inner_text()
    start, end = text.find("{"), text.rfind("}")
    assert 0 <= start < end, f"no JSON on /protected/userinfo: {text!r}"
    try:
        return json.loads(text[start:end + 1])
    except json.JSONDecodeError as e:
        pytest.fail(f"/protected/userinfo is not JSON ({e}): {text!r}", pytrace=False)


def assert_discord_identity(info: dict, discord_user: dict):
    identities = info.get("identities") or {}
    assert "discord" in identities, f"no Discord identity in the user info: {info}"
    discord = identities["discord"]
    assert discord["userId"] == discord_user["id"], discord
    details = discord.get("details") or {}
    assert details.get("id") == discord_user["id"], discord
    assert details.get("name") == discord_user["username"], discord
    assert details.get("email") == discord_user["email"], discord


def sign_in_with_discord(page, sesame: Sesame, flask_sample: FlaskSample, connector_id: str,
                         username: Optional[str] = None) -> Watch:
    """The whole flow in `page`: app -> sign-in page -> "Continue with Discord" -> the app."""
    watch = Watch(page, sesame)
    open_sign_in(page, flask_sample, sesame)
    discord_button(page, connector_id).click()
    finish_on_callback(page, flask_sample, username)
    assert watch.visited(sesame.url(f"/callback/{connector_id}?")), watch.urls
    return watch


# --------------------------------------------------------------------------------------
# Tests


def test_first_discord_sign_in_creates_the_account_and_the_app_sees_the_identity(
    page, sesame, flask_sample, discord_connector, fake_discord
):
    nelly = new_discord_user(fake_discord, "nelly")
    authorizations = len(fake_discord.authorize_requests)
    watch = sign_in_with_discord(page, sesame, flask_sample, discord_connector)

    # The page asked Discord once, for this connector's callback page, and registered the
    # new user (404 user.identity_not_exist, then 201; no username: sign-up asks for none).
    assert len(fake_discord.authorize_requests) == authorizations + 1
    asked = fake_discord.authorize_requests[-1]
    assert asked["redirect_uri"] == sesame.url(f"/callback/{discord_connector}"), asked
    assert watch.identifications == [404, 201], watch.identifications

    info = userinfo(page, flask_sample)
    assert_discord_identity(info, nelly)
    assert info.get("email") == nelly["email"] and info.get("email_verified") is True, info
    assert info.get("name") == nelly["username"], info


def test_the_second_sign_in_goes_straight_back_to_the_app(
    new_page, sesame, flask_sample, discord_connector, fake_discord
):
    olive = new_discord_user(fake_discord, "olive")
    first = new_page()
    sign_in_with_discord(first, sesame, flask_sample, discord_connector)
    sub = userinfo(first, flask_sample)["sub"]

    # Another browser (no Sesame session): the same Discord account signs in, nothing asked.
    again = new_page()
    watch = sign_in_with_discord(again, sesame, flask_sample, discord_connector)
    assert watch.identifications == [204], f"expected a plain sign-in, got {watch.identifications}"
    info = userinfo(again, flask_sample)
    assert info["sub"] == sub, "the same account"
    assert_discord_identity(info, olive)


def test_cancelling_at_discord_says_so_and_leads_back_to_sign_in(
    page, sesame, flask_sample, discord_connector, fake_discord
):
    new_discord_user(fake_discord, "quitter")
    exchanges = len(fake_discord.token_requests)
    open_sign_in(page, flask_sample, sesame)
    sign_in_query = page.url.split("?", 1)[1]
    fake_discord.deny = True
    try:
        discord_button(page, discord_connector).click()
        page.wait_for_url(re.compile(re.escape(sesame.url(f"/callback/{discord_connector}?")) + ".*error=access_denied"))
        expect_page(page.locator("#error")).to_contain_text("Sign-in with Discord was cancelled.")
        expect_page(page.locator("#heading")).to_have_text("Sign-in not completed")
        expect_page(page.locator("#status")).to_be_hidden()
        expect_page(page.locator("#choice")).to_be_hidden()
        expect_page(page.locator("#social-profile-form")).to_be_hidden()
        back = page.locator("#back-link")
        expect_page(back).to_be_visible()
        expect_page(back).to_have_text("Back to sign in")
        assert back.get_attribute("href") == "/sign-in?" + sign_in_query
    finally:
        fake_discord.deny = False
    assert len(fake_discord.token_requests) == exchanges, "no code, nothing exchanged"

    # The link returns to the same sign-in, which still works: this time the user consents.
    back.click()
    page.wait_for_url(sesame.url("/sign-in?") + sign_in_query)
    expect_page(page.locator("#sign-in-form")).to_be_visible()
    discord_button(page, discord_connector).click()
    finish_on_callback(page, flask_sample)


def test_direct_sign_in_goes_to_discord_without_a_click(
    page, sesame, oidc_app, flask_sample, discord_connector, fake_discord
):
    pia = new_discord_user(fake_discord, "pia")
    # The sample's sign-in redirect (its PKCE verifier lands in this browser's cookie jar) ...
    resp = page.request.get(flask_sample.url("/sign-in"), max_redirects=0)
    assert resp.status == 302, f"{resp.status} {resp.text()[:500]}"
    auth_url = resp.headers["location"]
    check_authorization_url(auth_url, sesame, oidc_app)
    authorizations = len(fake_discord.authorize_requests)

    # ... with direct_sign_in=social:discord, as an app passes it in its authorization request.
    watch = Watch(page, sesame)
    page.goto(auth_url + "&direct_sign_in=social:discord")
    finish_on_callback(page, flask_sample)

    sign_in_pages = [url for url in watch.urls if url.startswith(sesame.url("/sign-in?"))]
    assert sign_in_pages and all("direct_sign_in=social%3Adiscord" in url or "direct_sign_in=social:discord" in url
                                 for url in sign_in_pages), watch.urls
    assert len(fake_discord.authorize_requests) == authorizations + 1
    assert watch.visited(sesame.url(f"/callback/{discord_connector}?")), watch.urls
    assert_discord_identity(userinfo(page, flask_sample), pia)


def test_the_callback_page_asks_for_a_username_when_sign_up_needs_one(
    page, sesame, management, flask_sample, discord_connector, fake_discord
):
    taken = f"taken_{uuid.uuid4().hex[:8]}"
    sesame.cli("user create", "--username", taken, "--password", "Jabberwock-Vorpal-77!")
    wanted = f"rosa_{uuid.uuid4().hex[:8]}"
    rosa = new_discord_user(fake_discord, "rosa")
    expect(requests.patch(sesame.url("/api/sign-in-exp"), json={"signUp": USERNAME_SIGN_UP},
                          headers=management, timeout=10), 200)
    try:
        watch = Watch(page, sesame)
        open_sign_in(page, flask_sample, sesame)
        discord_button(page, discord_connector).click()

        form = page.locator("#social-profile-form")
        expect_page(form).to_be_visible()
        username = page.locator("#new-username")
        expect_page(username).to_be_visible()
        expect_page(username).to_be_focused()
        expect_page(page.locator("#submit")).to_have_text("Create account")
        expect_page(page.locator("#error")).to_be_empty()
        expect_page(page.locator("#status")).to_be_hidden()

        page.click("#submit")  # nothing typed
        expect_page(page.locator("#error")).to_contain_text("choose a username")

        page.fill("#new-username", taken)
        page.click("#submit")
        expect_page(page.locator("#error")).to_contain_text("already in use")
        expect_page(username).to_have_attribute("aria-invalid", "true")

        page.fill("#new-username", wanted)
        page.click("#submit")
        assert_back_in_the_app(page, flask_sample)
    finally:
        expect(requests.patch(sesame.url("/api/sign-in-exp"), json={"signUp": NO_SIGN_UP_IDENTIFIER},
                              headers=management, timeout=10), 200)

    # 404 identity_not_exist, 422 missing_profile (username), then 201 after the profile.
    assert watch.identifications == [404, 422, 201], watch.identifications
    info = userinfo(page, flask_sample)
    assert info.get("username") == wanted, info
    assert_discord_identity(info, rosa)


def test_cancelling_a_direct_sign_in_leads_back_to_the_sign_in_page_not_to_discord_again(
    page, sesame, flask_sample, discord_connector, fake_discord
):
    new_discord_user(fake_discord, "undecided")
    resp = page.request.get(flask_sample.url("/sign-in"), max_redirects=0)
    assert resp.status == 302, f"{resp.status} {resp.text()[:500]}"
    fake_discord.deny = True
    try:
        page.goto(resp.headers["location"] + "&direct_sign_in=social:discord")
        page.wait_for_url(re.compile(re.escape(sesame.url(f"/callback/{discord_connector}?")) + ".*error=access_denied"))
        expect_page(page.locator("#error")).to_contain_text("Sign-in with Discord was cancelled.")
        back = page.locator("#back-link")
        expect_page(back).to_be_visible()
        href = back.get_attribute("href")
        assert href.startswith("/sign-in?") and "direct_sign_in" not in href, href
        authorizations = len(fake_discord.authorize_requests)
        back.click()
        page.wait_for_url(sesame.url("/sign-in?") + "**")
        discord_button(page, discord_connector)
        page.wait_for_timeout(1000)  # time enough for a direct sign-in to start, were it to
        assert page.url.startswith(sesame.url("/sign-in?")), page.url
        assert len(fake_discord.authorize_requests) == authorizations, "sent to Discord again without asking"
    finally:
        fake_discord.deny = False

    # The user chooses: this time Discord, and consents.
    discord_button(page, discord_connector).click()
    finish_on_callback(page, flask_sample)

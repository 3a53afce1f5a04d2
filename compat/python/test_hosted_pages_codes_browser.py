"""Verification codes on the hosted pages, in a real browser (Debian's Chromium, driven by
Playwright): registering with an email code, signing in with a code, resending, and resetting
a forgotten password. The codes come from Sesame's development email connector
(`mock-email-service`), which appends every message it "sends" as one JSON line to a file.

This module runs its own Sesame (and Flask sample): it switches the sign-in experience to
email + codes through the Management API, and the other modules must keep seeing the defaults.
"""

import json
import os
import re
import secrets
import sys
import time
import uuid
from pathlib import Path

import pytest
import requests
from playwright.sync_api import TimeoutError as PlaywrightTimeout, expect as expect_page, sync_playwright

from conftest import (
    FLASK_SAMPLE, App, FlaskSample, Sesame, User, expect, free_port, start_process, stop_process, wait_until_ready,
)

CHROMIUM = Path(os.environ.get("SESAME_TEST_CHROMIUM", "/usr/bin/chromium"))
# Chromium must not reach for the internet: this machine's network is closed.
CHROMIUM_ARGS = [
    "--headless", "--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
    "--disable-background-networking", "--disable-component-update", "--disable-sync",
]
TIMEOUT_MS = 15_000
MAIL_TIMEOUT = 10  # seconds to wait for a code to be "sent"
MANAGEMENT_API = "https://default.logto.app/api"

EMAIL_SIGN_IN_EXPERIENCE = {
    "signUp": {"identifiers": ["email"], "password": True, "verify": True},
    "signIn": {"methods": [
        {"identifier": "email", "password": True, "verificationCode": True, "isPasswordPrimary": False},
        {"identifier": "username", "password": True, "verificationCode": False, "isPasswordPrimary": True},
    ]},
    "forgotPassword": {"email": True, "phone": False},
}
DEFAULT_SIGN_IN_EXPERIENCE = {
    "signUp": {"identifiers": ["username"], "password": True, "verify": False},
    "signIn": {"methods": [
        {"identifier": "username", "password": True, "verificationCode": False, "isPasswordPrimary": True},
    ]},
    "forgotPassword": {"email": False, "phone": False},
}
COUNTDOWN = re.compile(r"^Resend in \d+s$")


# --------------------------------------------------------------------------------------
# This module's own servers (same shape as conftest's session fixtures, module-scoped)


@pytest.fixture(scope="module")
def sesame(sesame_bin, tmp_path_factory) -> Sesame:
    tmp = tmp_path_factory.mktemp("sesame-codes")
    server = Sesame(bin=sesame_bin, data_dir=tmp / "data", port=free_port())
    server.data_dir.mkdir()
    argv = [
        str(sesame_bin), "serve",
        "--data-dir", str(server.data_dir),
        "--listen", f"127.0.0.1:{server.port}",
        "--endpoint", server.base_url,
    ]
    env = {"SESAME_LOG": "info,tower_http=debug", **os.environ, "RUST_BACKTRACE": "1", "NO_COLOR": "1"}
    proc = start_process("sesame (codes)", argv, tmp / "sesame.log", env)
    try:
        wait_until_ready(
            "sesame (codes)", proc,
            lambda: requests.get(server.url("/api/status"), timeout=1, allow_redirects=False).status_code == 204,
        )
        yield server
    finally:
        stop_process(proc)


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
def flask_sample(sesame, oidc_app, flask_port, tmp_path_factory) -> FlaskSample:
    sample = FlaskSample(base_url=oidc_app.base_url)
    env = {
        **os.environ,
        "LOGTO_ENDPOINT": sesame.base_url,
        "LOGTO_APP_ID": oidc_app.id,
        "LOGTO_APP_SECRET": oidc_app.secret,
        "APP_BASE_URL": oidc_app.base_url,
        "PORT": str(flask_port),
        "FLASK_SECRET_KEY": secrets.token_hex(32),
        "PYTHONUNBUFFERED": "1",
        "NO_COLOR": "1",
    }
    env.pop("LOGTO_SCOPES", None)  # the sample's default scopes include email
    log = tmp_path_factory.mktemp("flask-codes") / "flask.log"
    proc = start_process("flask (codes)", [sys.executable, str(FLASK_SAMPLE)], log, env)
    try:
        wait_until_ready(
            "flask (codes)", proc,
            lambda: requests.get(sample.url("/"), timeout=1, allow_redirects=False).status_code == 200,
        )
        yield sample
    finally:
        stop_process(proc)


# --------------------------------------------------------------------------------------
# The mailbox: what the development email connector "sent"


class Management:
    """The Management API with a machine-to-machine app's token (as in test_api_resources)."""

    def __init__(self, sesame: Sesame):
        created = sesame.cli("app create", "--name", "ops (codes)", "--type", "machine-to-machine", "--management-api")
        token = expect(
            requests.post(
                sesame.url("/oidc/token"),
                auth=(created["id"], created["secret"]),
                data={"grant_type": "client_credentials", "resource": MANAGEMENT_API, "scope": "all"},
                timeout=10,
            ),
            200,
        ).json()["access_token"]
        self.sesame = sesame
        self.headers = {"Authorization": f"Bearer {token}"}

    def call(self, method: str, path: str, body: dict, *statuses: int) -> requests.Response:
        response = requests.request(method, self.sesame.url("/api" + path), json=body, headers=self.headers, timeout=10)
        assert response.status_code in statuses, (
            f"{method} /api{path} -> {response.status_code} (expected {statuses}): {response.text[:1500]}"
        )
        return response


class Mailbox:
    """The `recordFile` of the `mock-email-service` connector: one JSON object per line,
    `{"address", "code", "type", ...}`."""

    def __init__(self, path: Path):
        self.path = path

    def messages(self) -> list:
        try:
            text = self.path.read_text()
        except FileNotFoundError:
            return []
        return [json.loads(line) for line in text.splitlines() if line.strip()]

    def mark(self) -> int:
        """How many messages exist now: pass it to `code_for` to ignore older ones."""
        return len(self.messages())

    def code_for(self, address: str, since: int, kind: str) -> str:
        """The code of the last message to `address` (of type `kind`) sent after `since`."""
        deadline = time.monotonic() + MAIL_TIMEOUT
        while True:
            sent = [
                m for m in self.messages()[since:]
                if str(m.get("address", "")).lower() == address.lower() and m.get("type") == kind
            ]
            if sent:
                code = str(sent[-1].get("code", ""))
                assert re.fullmatch(r"\d{6}", code), f"not a 6-digit code: {sent[-1]}"
                return code
            if time.monotonic() > deadline:
                pytest.fail(
                    f"no {kind} code for {address} within {MAIL_TIMEOUT}s; {self.path} holds:\n"
                    + "\n".join(json.dumps(m) for m in self.messages()),
                    pytrace=False,
                )
            time.sleep(0.1)


@pytest.fixture(scope="module")
def mailbox(sesame, tmp_path_factory) -> Mailbox:
    """The email connector writing to a file, and the sign-in experience switched to email +
    codes (sign-up by email code + password, sign-in by code or password, password reset)."""
    record_file = tmp_path_factory.mktemp("mailbox") / "messages.jsonl"
    api = Management(sesame)
    api.call("POST", "/connectors", {"connectorId": "mock-email-service", "config": {"recordFile": str(record_file)}}, 200, 201)
    api.call("PATCH", "/sign-in-exp", EMAIL_SIGN_IN_EXPERIENCE, 200)
    yield Mailbox(record_file)
    # This server is the module's own, but leave the defaults behind all the same.
    api.call("PATCH", "/sign-in-exp", DEFAULT_SIGN_IN_EXPERIENCE, 200)


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
def page(chromium):
    context = chromium.new_context()
    page = context.new_page()
    page.set_default_timeout(TIMEOUT_MS)
    yield page
    context.close()


def new_email(prefix: str) -> str:
    return f"{prefix}-{uuid.uuid4().hex[:8]}@example.com"


def new_user(sesame: Sesame, password: str = "Cheshire-Cat-Grin-31!") -> User:
    user = User(id="", username=f"mail_{uuid.uuid4().hex[:8]}", password=password, email=new_email("user"))
    user.id = sesame.cli(
        "user create", "--username", user.username, "--password", user.password, "--email", user.email
    )["id"]
    return user


def open_sign_in(page, flask_sample):
    """The app's /sign-in -> Sesame's sign-in page, once it has applied the email settings."""
    page.goto(flask_sample.url("/sign-in"))
    expect_page(page.locator("#sign-in-form")).to_be_visible()
    expect_page(page.locator("#identifier-label")).to_have_text("Username or email")


def send_sign_in_code(page, flask_sample, mailbox, email: str) -> str:
    """Ask for a sign-in code for `email` on the sign-in page; return the code sent."""
    open_sign_in(page, flask_sample)
    page.fill("#identifier", email)
    # Email sign-in is code-first (isPasswordPrimary: false): no password asked.
    expect_page(page.locator("#password")).to_be_hidden()
    expect_page(page.locator("#submit")).to_have_text("Send verification code")
    since = mailbox.mark()
    page.click("#submit")
    expect_page(page.locator("#code")).to_be_visible()
    return mailbox.code_for(email, since, "SignIn")


def enter_code(page, code: str):
    page.fill("#code", code)
    page.click("#submit")


def assert_back_in_the_app(page, flask_sample, who: str):
    try:
        page.wait_for_url(flask_sample.url("/"))
    except PlaywrightTimeout:
        error = page.locator("#error").inner_text() if page.locator("#error").count() else ""
        pytest.fail(f"never got back to the app: still on {page.url}, #error says {error!r}", pytrace=False)
    expect_page(page.locator("body")).to_contain_text("Authenticated")
    expect_page(page.locator("body")).not_to_contain_text("Not authenticated")
    page.goto(flask_sample.url("/protected/userinfo"))
    expect_page(page.locator("body")).to_contain_text(who)


# --------------------------------------------------------------------------------------
# Tests


def test_sign_in_page_follows_the_settings(page, flask_sample, mailbox, sesame):
    open_sign_in(page, flask_sample)
    link = page.locator("#forgot-password-link")
    expect_page(link).to_be_visible()
    assert link.get_attribute("href") == "/forgot-password?" + page.url.split("?", 1)[1]

    page.fill("#identifier", "someone@example.com")
    expect_page(page.locator("#password")).to_be_hidden()
    expect_page(page.locator("#use-password")).to_be_visible()
    page.click("#use-password")
    expect_page(page.locator("#password")).to_be_visible()
    expect_page(page.locator("#use-code")).to_be_visible()

    # Usernames still sign in with a password.
    user = new_user(sesame)
    page.fill("#identifier", user.username)
    expect_page(page.locator("#use-code")).to_be_hidden()
    page.fill("#password", user.password)
    page.click("#submit")
    assert_back_in_the_app(page, flask_sample, user.username)


def test_register_with_an_email_code_and_a_password(page, flask_sample, mailbox):
    email = new_email("reg")
    page.goto(flask_sample.url("/sign-up"))
    expect_page(page.locator("#register-form")).to_be_visible()
    expect_page(page.locator("#identifier-label")).to_have_text("Email")
    expect_page(page.locator("#password")).to_be_hidden()

    since = mailbox.mark()
    page.fill("#identifier", email)
    page.click("#submit")
    expect_page(page.locator("#code")).to_be_visible()
    expect_page(page.locator("#code")).to_have_attribute("autocomplete", "one-time-code")
    enter_code(page, mailbox.code_for(email, since, "Register"))

    # The server still needs a password (user.missing_profile).
    expect_page(page.locator("#new-password")).to_be_visible()
    page.fill("#new-password", "Mock-Turtle-Soup-88")
    page.fill("#confirm-password", "Mock-Turtle-Soup-89")
    page.click("#submit")
    expect_page(page.locator("#error")).to_contain_text("do not match")
    page.fill("#confirm-password", "Mock-Turtle-Soup-88")
    page.click("#submit")
    assert_back_in_the_app(page, flask_sample, email)


def test_sign_in_with_a_code(page, flask_sample, mailbox, sesame):
    user = new_user(sesame)
    code = send_sign_in_code(page, flask_sample, mailbox, user.email)
    enter_code(page, code)
    assert_back_in_the_app(page, flask_sample, user.username)


def test_a_wrong_code_shows_an_error_and_the_right_one_then_works(page, flask_sample, mailbox, sesame):
    user = new_user(sesame)
    code = send_sign_in_code(page, flask_sample, mailbox, user.email)
    enter_code(page, "000000" if code != "000000" else "111111")
    expect_page(page.locator("#error")).not_to_be_empty()
    expect_page(page.locator("#code")).to_be_visible()
    expect_page(page.locator("#code")).to_have_value("")
    assert "/sign-in" in page.url
    enter_code(page, code)
    assert_back_in_the_app(page, flask_sample, user.username)


def test_resend_counts_down(page, flask_sample, mailbox, sesame):
    user = new_user(sesame)
    page.clock.install()  # the page's countdown runs on a clock the test moves
    send_sign_in_code(page, flask_sample, mailbox, user.email)
    resend = page.locator("#resend")
    expect_page(resend).to_have_text(COUNTDOWN)
    expect_page(resend).to_be_disabled()
    left = int(re.search(r"\d+", resend.inner_text()).group())
    assert 0 < left <= 60, resend.inner_text()
    page.clock.run_for(5_000)
    expect_page(resend).not_to_have_text(f"Resend in {left}s")
    expect_page(resend).to_have_text(COUNTDOWN)
    assert int(re.search(r"\d+", resend.inner_text()).group()) < left

    page.clock.run_for(61_000)
    expect_page(resend).to_have_text("Resend code")
    expect_page(resend).to_be_enabled()
    since = mailbox.mark()
    resend.click()
    expect_page(page.locator("#notice")).to_contain_text("new code")
    expect_page(resend).to_have_text(COUNTDOWN)
    expect_page(resend).to_be_disabled()
    second = mailbox.code_for(user.email, since, "SignIn")
    # The new verification replaces the old one: its code signs in.
    enter_code(page, second)
    assert_back_in_the_app(page, flask_sample, user.username)


def test_an_unknown_email_can_create_the_account_from_the_sign_in_page(page, flask_sample, mailbox):
    email = new_email("newcomer")
    enter_code(page, send_sign_in_code(page, flask_sample, mailbox, email))
    expect_page(page.locator("#create-with-identifier")).to_be_visible()
    expect_page(page.locator("#create-prompt")).to_have_text("No account with this email. Create one?")
    page.click("#create-with-identifier")
    expect_page(page.locator("#new-password")).to_be_visible()
    page.fill("#new-password", "Dormouse-Teapot-65")
    page.fill("#confirm-password", "Dormouse-Teapot-65")
    page.click("#submit")
    assert_back_in_the_app(page, flask_sample, email)


def test_forgot_password_resets_it_and_the_new_one_signs_in(page, flask_sample, mailbox, sesame):
    user = new_user(sesame, password="Old-Looking-Glass-12")
    new_password = "New-Looking-Glass-34"
    open_sign_in(page, flask_sample)
    query = page.url.split("?", 1)[1]
    page.click("#forgot-password-link")
    page.wait_for_url(re.compile(r"/forgot-password\?"))
    assert page.url.split("?", 1)[1] == query
    expect_page(page.locator("#forgot-password-form")).to_be_visible()

    since = mailbox.mark()
    page.fill("#identifier", user.email)
    page.click("#submit")
    expect_page(page.locator("#code")).to_be_visible()
    enter_code(page, mailbox.code_for(user.email, since, "ForgotPassword"))
    expect_page(page.locator("#new-password")).to_be_visible()
    page.fill("#new-password", new_password)
    page.fill("#confirm-password", new_password)
    page.click("#submit")
    expect_page(page.locator("#reset-done")).to_be_visible()
    expect_page(page.locator("#reset-done")).to_contain_text("Your password has been reset")

    page.click("#back-to-sign-in")
    page.wait_for_url(re.compile(r"/sign-in\?"))
    assert page.url.split("?", 1)[1] == query
    expect_page(page.locator("#identifier-label")).to_have_text("Username or email")
    page.fill("#identifier", user.email)
    page.click("#use-password")
    page.fill("#password", user.password)  # the old one no longer works
    page.click("#submit")
    expect_page(page.locator("#error")).not_to_be_empty()
    page.fill("#password", new_password)
    page.click("#submit")
    assert_back_in_the_app(page, flask_sample, user.username)


def test_forgot_password_for_an_unknown_email_says_so(page, flask_sample, mailbox):
    email = new_email("nobody")
    open_sign_in(page, flask_sample)
    page.click("#forgot-password-link")
    expect_page(page.locator("#forgot-password-form")).to_be_visible()
    since = mailbox.mark()
    page.fill("#identifier", email)
    page.click("#submit")
    expect_page(page.locator("#code")).to_be_visible()
    enter_code(page, mailbox.code_for(email, since, "ForgotPassword"))
    expect_page(page.locator("#error")).not_to_be_empty()
    expect_page(page.locator("#identifier")).to_be_visible()
    expect_page(page.locator("#reset-done")).to_be_hidden()

"""The hosted sign-in and register pages in a real browser (Debian's Chromium, driven by
Playwright): the guide's Flask app sends the browser to Sesame, the page's own script runs
the Experience API, and the browser lands back in the app. No request is scripted by hand."""

import os
import uuid
from pathlib import Path

import pytest
from playwright.sync_api import expect as expect_page, sync_playwright

CHROMIUM = Path(os.environ.get("SESAME_TEST_CHROMIUM", "/usr/bin/chromium"))
# Chromium must not reach for the internet: this machine's network is closed.
CHROMIUM_ARGS = [
    "--headless", "--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
    "--disable-background-networking", "--disable-component-update", "--disable-sync",
]
TIMEOUT_MS = 15_000


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


def sign_in(page, flask_sample, username, password):
    page.goto(flask_sample.url("/sign-in"))
    expect_page(page.locator("#sign-in-form")).to_be_visible()
    page.fill("#identifier", username)
    page.fill("#password", password)
    page.click("#submit")


def test_sign_in_page_signs_in_and_returns_to_the_app(page, flask_sample, alice):
    sign_in(page, flask_sample, alice.username, alice.password)
    page.wait_for_url(flask_sample.url("/"))
    expect_page(page.locator("body")).to_contain_text("Authenticated")


def test_wrong_password_shows_a_clear_error_and_stays(page, flask_sample, alice):
    sign_in(page, flask_sample, alice.username, "not-the-password")
    expect_page(page.locator("#error")).to_contain_text("Wrong account or password")
    assert "/sign-in" in page.url
    expect_page(page.locator("#submit")).to_be_enabled()


def test_register_page_creates_the_account(page, flask_sample):
    username = f"reg_{uuid.uuid4().hex[:8]}"
    page.goto(flask_sample.url("/sign-up"))
    expect_page(page.locator("#register-form")).to_be_visible()
    page.fill("#identifier", username)
    page.fill("#password", "Mad-Hatter-Tea-77")
    page.fill("#confirm-password", "Mad-Hatter-Tea-78")
    page.click("#submit")
    expect_page(page.locator("#error")).to_contain_text("do not match")
    page.fill("#confirm-password", "Mad-Hatter-Tea-77")
    page.click("#submit")
    page.wait_for_url(flask_sample.url("/"))
    page.goto(flask_sample.url("/protected/userinfo"))
    expect_page(page.locator("body")).to_contain_text(username)


def test_sign_out_confirms_automatically_and_ends_the_session(page, flask_sample, alice):
    sign_in(page, flask_sample, alice.username, alice.password)
    page.wait_for_url(flask_sample.url("/"))
    page.goto(flask_sample.url("/sign-out"))
    page.wait_for_url(flask_sample.url("/"))
    expect_page(page.locator("body")).to_contain_text("Not authenticated")
    page.goto(flask_sample.url("/sign-in"))
    expect_page(page.locator("#sign-in-form")).to_be_visible()

"""Seed 004 ("Discord sign-in with Python and Logto") against Sesame, end to end.

A small fake Discord (`fake_discord.py`, shared with the browser tests) plays the OAuth 2.0
provider: its authorize endpoint consents at once and redirects back with `code` and `state`;
its token endpoint takes only a form POST with the registered client id and secret, the
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
import secrets
from typing import Tuple
from urllib.parse import urljoin

import pytest
from logto import UserInfoScope

from conftest import App, Browser, Sesame, check_authorization_url, describe, expect, query, sdk_client
from fake_discord import (
    CLIENT_ID,
    PROFILE,
    add_discord_connector,
    management_headers,
    running_fake_discord,
    serve_sesame,
)


# --------------------------------------------------------------------------------------
# Fixtures: the fake (fake_discord.py), a Sesame pointed at it, the operator's setup (seed 004)


@pytest.fixture(scope="module")
def fake_discord():
    with running_fake_discord() as fake:
        yield fake


@pytest.fixture(scope="module")
def social_sesame(sesame_bin, tmp_path_factory, fake_discord) -> Sesame:
    """A `sesame serve` of this module's own whose Discord connector talks to the fake."""
    with serve_sesame(sesame_bin, tmp_path_factory.mktemp("sesame-social"), "sesame-social", fake_discord) as server:
        yield server


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
    return add_discord_connector(social_sesame, management_headers(social_sesame))


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

"""Logto's Python guide, end to end against Sesame: the official SDK (logto==0.2.1) and the
guide's Flask app (examples/flask-sample), unchanged. Fixtures and helpers: conftest.py."""

import asyncio
import json
import re
import uuid
from urllib.parse import urlencode

from logto import UserInfoScope
from logto.models.oidc import OidcProviderMetadata

from conftest import (
    DictStorage,
    assert_signed_in,
    assert_signed_out,
    check_authorization_url,
    describe,
    end_sesame_session,
    expect,
    flask_authorization_url,
    flask_callback,
    open_hosted_page,
    register_via_hosted_flow,
    sdk_client,
    sign_in_through_flask,
    sign_in_via_hosted_flow,
    start_interaction,
    verify,
)

# aiohttp's resp.json() (used by the SDK) only accepts these content types.
JSON_CONTENT_TYPE = re.compile(r"^application/(?:[\w.+-]+?\+)?json")


def test_discovery_satisfies_sdk(sesame, browser):
    resp = expect(browser.get(sesame.url("/oidc/.well-known/openid-configuration")), 200)
    assert JSON_CONTENT_TYPE.match(resp.headers.get("Content-Type", "")), resp.headers
    doc = resp.json()
    assert doc["issuer"] == sesame.issuer

    metadata = OidcProviderMetadata(**doc)  # what the SDK does with it
    assert metadata.end_session_endpoint
    assert doc.get("code_challenge_methods_supported") == ["S256"]


def test_sign_in_and_userinfo(sesame, oidc_app, alice, flask_sample, browser):
    sign_in_through_flask(browser, sesame, oidc_app, flask_sample, alice)

    assert_signed_in(browser.get(flask_sample.url("/")))
    userinfo = expect(browser.get(flask_sample.url("/protected/userinfo")), 200).text
    assert f'"sub": "{alice.id}"' in userinfo
    assert '"username": "alice"' in userinfo
    assert '"email": "alice@example.com"' in userinfo
    assert '"name": "Alice Liddell"' in userinfo


def test_id_token_claims_via_sdk(sesame, oidc_app, alice, browser):
    storage = DictStorage()
    client = sdk_client(sesame, oidc_app, scopes=[UserInfoScope.email], storage=storage)

    auth_url = asyncio.run(client.signIn(redirectUri=oidc_app.redirect_uri))
    assert "email" in check_authorization_url(auth_url, sesame, oidc_app)["scope"][0].split()
    callback = sign_in_via_hosted_flow(browser, sesame, oidc_app, auth_url, alice)
    asyncio.run(client.handleSignInCallback(callback))  # code exchange + ID token verification

    assert client.isAuthenticated()
    claims = client.getIdTokenClaims()
    assert claims.sub == alice.id
    assert claims.aud == oidc_app.id
    assert claims.iss == sesame.issuer
    assert claims.username == "alice"
    assert claims.email == "alice@example.com"
    assert claims.email_verified is True

    userinfo = asyncio.run(client.fetchUserInfo())
    assert (userinfo.sub, userinfo.name) == (alice.id, "Alice Liddell")

    assert asyncio.run(client.getAccessToken())
    # Forget the cached token: the SDK must get a new one with the refresh token. Twice, so
    # the refresh token it stored after the first refresh (rotated or not) is proven valid too.
    for _ in range(2):
        forget_cached_access_token(storage, resource="")
        assert asyncio.run(client.getAccessToken())
        assert storage.get("refreshToken")
        assert asyncio.run(client.fetchUserInfo()).sub == alice.id


def forget_cached_access_token(storage, resource):
    token_map = json.loads(storage.get("accessTokenMap"))
    del token_map["x"][resource]
    storage.set("accessTokenMap", json.dumps(token_map))


def test_sign_up_mode_creates_user(sesame, oidc_app, alice, flask_sample, browser):
    username = f"bob_{uuid.uuid4().hex[:10]}"
    auth_url = flask_authorization_url(browser, sesame, oidc_app, flask_sample, "/sign-up")
    callback = register_via_hosted_flow(
        browser, sesame, oidc_app, auth_url, username, "Tea-Party-at-6-sharp!"
    )
    assert_signed_in(flask_callback(browser, flask_sample, callback))

    userinfo = expect(browser.get(flask_sample.url("/protected/userinfo")), 200).text
    assert f'"username": "{username}"' in userinfo
    assert alice.id not in userinfo


def test_sign_out_returns_to_post_logout_uri(sesame, oidc_app, alice, flask_sample, browser):
    sign_in_through_flask(browser, sesame, oidc_app, flask_sample, alice)

    resp = expect(browser.get(flask_sample.url("/sign-out")), 302)
    end_session_url = resp.headers["Location"]
    assert end_session_url == f"{sesame.issuer}/session/end?" + urlencode(
        {"client_id": oidc_app.id, "post_logout_redirect_uri": oidc_app.post_logout_redirect_uri}
    )
    done = end_sesame_session(browser, end_session_url)
    assert done.headers["Location"] == oidc_app.post_logout_redirect_uri

    assert_signed_out(browser.follow(done))
    # The Sesame session is gone too: signing in again shows the sign-in page (no silent SSO).
    auth_url = flask_authorization_url(browser, sesame, oidc_app, flask_sample)
    open_hosted_page(browser, oidc_app, auth_url, "sign-in")


def test_wrong_password_is_rejected(sesame, oidc_app, alice, browser):
    auth_url = asyncio.run(sdk_client(sesame, oidc_app).signIn(redirectUri=oidc_app.redirect_uri))
    open_hosted_page(browser, oidc_app, auth_url, "sign-in")
    start_interaction(browser, sesame, "SignIn")

    rejected = expect(verify(browser, sesame, "password", alice.username, "not-" + alice.password), 422)
    assert rejected.json().get("code") == "session.invalid_credentials", rejected.text
    # A typo is not fatal: the right password still works in the same interaction.
    expect(verify(browser, sesame, "password", alice.username, alice.password), 200)


def test_unregistered_post_logout_uri_is_not_redirected(sesame, oidc_app, browser):
    resp = browser.get(
        sesame.url("/oidc/session/end"),
        params={"client_id": oidc_app.id, "post_logout_redirect_uri": "https://evil.example/"},
    )
    assert 400 <= resp.status_code < 500, describe(resp)
    assert "evil.example" not in resp.headers.get("Location", "")

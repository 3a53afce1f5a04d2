"""The guide's "API resources" section against Sesame: the SDK asks for resource scopes at
sign-in, then `getAccessToken(resource)` / `getAccessTokenClaims(resource)` return a JWT with
exactly the scopes the user's roles grant. Resources, scopes and roles are created through
the Management API, with a machine-to-machine app made by the CLI."""

import asyncio
import uuid

import pytest
import requests

from conftest import expect, sdk_client, sign_in_via_hosted_flow, User

SHOPPING = "https://shopping.your-app.com/api"
MANAGEMENT_API = "https://default.logto.app/api"


class ManagementApi:
    def __init__(self, sesame):
        created = sesame.cli(
            "app create", "--name", "ops", "--type", "machine-to-machine", "--management-api"
        )
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

    def post(self, path, body, status):
        response = requests.post(self.sesame.url("/api" + path), json=body, headers=self.headers, timeout=10)
        return expect(response, status)


@pytest.fixture(scope="module")
def shopping_role(sesame):
    api = ManagementApi(sesame)
    resource = api.post("/resources", {"name": "Shopping", "indicator": SHOPPING}, 201).json()
    scope_ids = [
        api.post(f"/resources/{resource['id']}/scopes", {"name": name}, 201).json()["id"]
        for name in ("shopping:read", "shopping:write", "shopping:admin")
    ]
    role = api.post(
        "/roles", {"name": "shopper", "description": "buys things", "type": "User", "scopeIds": scope_ids[:2]}, 200
    ).json()
    return api, role["id"]


def new_user(sesame) -> User:
    user = User(id="", username=f"shopper_{uuid.uuid4().hex[:8]}", password="Queen-of-Hearts-99!")
    user.id = sesame.cli("user create", "--username", user.username, "--password", user.password)["id"]
    return user


def signed_in_client(sesame, oidc_app, browser, user):
    scopes = ["shopping:read", "shopping:write", "shopping:admin"]
    client = sdk_client(sesame, oidc_app, scopes=scopes, resources=[SHOPPING])
    auth_url = asyncio.run(client.signIn(redirectUri=oidc_app.redirect_uri))
    callback = sign_in_via_hosted_flow(browser, sesame, oidc_app, auth_url, user)
    asyncio.run(client.handleSignInCallback(callback))
    return client


def test_access_token_carries_the_role_scopes(sesame, oidc_app, browser, shopping_role):
    api, role_id = shopping_role
    user = new_user(sesame)
    api.post(f"/users/{user.id}/roles", {"roleIds": [role_id]}, 201)
    client = signed_in_client(sesame, oidc_app, browser, user)

    token = asyncio.run(client.getAccessToken(SHOPPING))
    assert token and token.count(".") == 2, token
    claims = asyncio.run(client.getAccessTokenClaims(SHOPPING))
    assert claims.aud == SHOPPING
    assert claims.sub == user.id
    assert claims.iss == sesame.issuer
    assert claims.scope.split() == ["shopping:read", "shopping:write"], "admin was asked for, not granted"


def test_a_user_without_the_role_gets_an_empty_scope(sesame, oidc_app, browser, shopping_role):
    client = signed_in_client(sesame, oidc_app, browser, new_user(sesame))
    claims = asyncio.run(client.getAccessTokenClaims(SHOPPING))
    assert claims.scope == ""
    assert claims.aud == SHOPPING

"""The guide's "organization token" section against Sesame: with
`scopes=[UserInfoScope.organizations]` the ID token lists the user's organizations, and
`getOrganizationToken(id)` / `getOrganizationTokenClaims(id)` return a token for that
organization with the user's organization-role scopes. A non-member is refused, and the
stored refresh token keeps working afterwards."""

import asyncio
import uuid

import pytest
from logto import LogtoException, UserInfoScope

from conftest import DictStorage, sdk_client, sign_in_via_hosted_flow, User
from test_api_resources import ManagementApi
from test_seed_guide import forget_cached_access_token


@pytest.fixture(scope="module")
def organizations(sesame):
    api = ManagementApi(sesame)
    scope = api.post("/organization-scopes", {"name": "read:members"}, 201).json()
    role = api.post(
        "/organization-roles", {"name": "member-reader", "organizationScopeIds": [scope["id"]]}, 201
    ).json()
    member_of = api.post("/organizations", {"name": "Acme"}, 201).json()
    other = api.post("/organizations", {"name": "Globex"}, 201).json()
    return api, role["id"], member_of["id"], other["id"]


def test_organization_token_for_a_member_and_refusal_for_a_stranger(sesame, oidc_app, browser, organizations):
    api, role_id, acme, globex = organizations
    user = User(id="", username=f"member_{uuid.uuid4().hex[:8]}", password="Dormouse-Sleeps-31!")
    user.id = sesame.cli("user create", "--username", user.username, "--password", user.password)["id"]
    api.post(f"/organizations/{acme}/users", {"userIds": [user.id]}, 201)
    api.post(f"/organizations/{acme}/users/{user.id}/roles", {"organizationRoleIds": [role_id]}, 201)

    storage = DictStorage()
    scopes = [UserInfoScope.organizations, "read:members"]
    client = sdk_client(sesame, oidc_app, scopes=scopes, storage=storage)
    auth_url = asyncio.run(client.signIn(redirectUri=oidc_app.redirect_uri))
    assert "urn%3Alogto%3Aresource%3Aorganizations" in auth_url, "the SDK adds the reserved resource"
    callback = sign_in_via_hosted_flow(browser, sesame, oidc_app, auth_url, user)
    asyncio.run(client.handleSignInCallback(callback))

    assert client.getIdTokenClaims().organizations == [acme]
    token = asyncio.run(client.getOrganizationToken(acme))
    assert token and token.count(".") == 2
    claims = asyncio.run(client.getOrganizationTokenClaims(acme))
    assert claims.aud == f"urn:logto:organization:{acme}"
    assert claims.scope == "read:members"

    with pytest.raises(LogtoException) as refused:
        asyncio.run(client.getOrganizationToken(globex))
    assert "access_denied" in str(refused.value)
    # The refusal burned nothing: the stored refresh token still gets tokens.
    forget_cached_access_token(storage, resource="")
    assert asyncio.run(client.getAccessToken())
    assert asyncio.run(client.fetchUserInfo()).organizations == [acme]

"""The Logto client, configured as in Logto's Python guide.

Configuration comes from environment variables so the same code runs against a
local Sesame server, a test harness, or any other Logto-compatible endpoint:

    LOGTO_ENDPOINT    Sesame/Logto endpoint (default http://localhost:3001)
    LOGTO_APP_ID      application id  (`sesame app create` prints it)
    LOGTO_APP_SECRET  application secret (idem)
    LOGTO_SCOPES      optional comma list of extra scopes (default "email,custom_data")
"""

import os
from typing import List, Union

from flask import session
from logto import LogtoClient, LogtoConfig, Storage, UserInfoScope
from logto.models.oidc import Scope

# Friendly names accepted in LOGTO_SCOPES, mapped to the SDK's enum members.
# (The SDK only adds the organizations resource when it sees the enum member,
# not the plain string, so the mapping matters.)
_SCOPE_NAMES = {
    "email": UserInfoScope.email,
    "phone": UserInfoScope.phone,
    "custom_data": UserInfoScope.custom_data,
    "identities": UserInfoScope.identities,
    "organizations": UserInfoScope.organizations,
    "organization_roles": UserInfoScope.organization_roles,
}


def parse_scopes(value: str) -> List[Union[str, Scope]]:
    """Turn "email,custom_data,read" into [UserInfoScope.email, UserInfoScope.custom_data, "read"].

    Known names (and their full values, e.g. "urn:logto:scope:organizations")
    become `UserInfoScope` members; anything else is passed through as an
    API resource scope.
    """
    by_value = {scope.value: scope for scope in UserInfoScope}
    scopes: List[Union[str, Scope]] = []
    for name in (part.strip() for part in value.split(",")):
        if name:
            scopes.append(_SCOPE_NAMES.get(name) or by_value.get(name) or name)
    return scopes


class SessionStorage(Storage):
    """The guide's persistent storage: keeps the Logto session in Flask's (signed cookie) session."""

    def get(self, key: str) -> Union[str, None]:
        return session.get(key, None)

    def set(self, key: str, value: Union[str, None]) -> None:
        session[key] = value

    def delete(self, key: str) -> None:
        session.pop(key, None)


client = LogtoClient(
    LogtoConfig(
        endpoint=os.environ.get("LOGTO_ENDPOINT", "http://localhost:3001"),
        appId=os.environ.get("LOGTO_APP_ID", "replace-with-your-app-id"),
        appSecret=os.environ.get("LOGTO_APP_SECRET", "replace-with-your-app-secret"),
        scopes=parse_scopes(os.environ.get("LOGTO_SCOPES", "email,custom_data")),
    ),
    storage=SessionStorage(),
)

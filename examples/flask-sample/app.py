"""Logto's Python (Flask) guide, running against Sesame.

Run `python app.py`; see README.md for provisioning an application and a user.
"""

import html
import os
import secrets

from flask import Flask, g, redirect, request
from logto import LogtoException

from authenticated import authenticated
from client import client

APP_BASE_URL = os.environ.get("APP_BASE_URL", "http://localhost:3000").rstrip("/")
REDIRECT_URI = APP_BASE_URL + "/callback"
POST_LOGOUT_REDIRECT_URI = APP_BASE_URL + "/"
PORT = int(os.environ.get("PORT", "3000"))

app = Flask(__name__)
# The Logto session lives in Flask's signed session cookie, so this key must be
# stable across restarts (and secret) if you want users to stay signed in.
app.secret_key = os.environ.get("FLASK_SECRET_KEY") or secrets.token_hex(32)

navigationHtml = (
    "<hr />"
    "<a href='/'>Home</a>&nbsp;&nbsp;"
    "<a href='/protected/userinfo'>User info</a>&nbsp;&nbsp;"
    "<a href='/sign-out'>Sign out</a>"
)


def as_html(model) -> str:
    """Pretty JSON of a pydantic model, as the guide renders it (HTML-escaped)."""
    dumped = model.model_dump_json(indent=2, exclude_unset=True)
    return html.escape(dumped, quote=False).replace("\n", "<br>")


@app.route("/")
async def home():
    if client.isAuthenticated() is False:
        return "Not authenticated <a href='/sign-in'>Sign in</a>"
    return (
        "Authenticated <a href='/sign-out'>Sign out</a>"
        + "<h2>ID token claims</h2>"
        + as_html(client.getIdTokenClaims())
        + navigationHtml
    )


@app.route("/sign-in")
async def sign_in():
    # Get the sign-in URL and redirect the user to it
    return redirect(await client.signIn(redirectUri=REDIRECT_URI))


@app.route("/sign-up")
async def sign_up():
    # Same, but show the registration page as the first screen
    return redirect(
        await client.signIn(redirectUri=REDIRECT_URI, interactionMode="signUp")
    )


@app.route("/callback")
async def callback():
    try:
        await client.handleSignInCallback(request.url)  # Handle a lot of stuff
        return redirect("/")  # Redirect the user to the home page after a successful sign-in
    except Exception as e:
        # Change this to your error handling logic
        return "Error: " + html.escape(str(e)), 400


@app.route("/sign-out")
async def sign_out():
    return redirect(
        # Redirect the user to the home page after a successful sign-out
        await client.signOut(postLogoutRedirectUri=POST_LOGOUT_REDIRECT_URI)
    )


@app.route("/protected/userinfo")
@authenticated(shouldRedirect=True, fetchUserInfo=True)
async def protectedUserinfo():
    try:
        return "<h2>User info</h2>" + as_html(g.user) + navigationHtml
    except LogtoException as e:
        return "<h2>Error</h2>" + html.escape(str(e)) + "<br>" + navigationHtml


@app.errorhandler(LogtoException)
def logto_error(e: LogtoException):
    # e.g. fetchUserInfo() inside @authenticated failing because the session expired
    return "<h2>Error</h2>" + html.escape(str(e)) + "<br>" + navigationHtml, 502


if __name__ == "__main__":
    app.run(host="localhost", port=PORT)

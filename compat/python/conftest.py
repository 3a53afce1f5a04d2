"""End-to-end compatibility suite: Logto's Python SDK and the guide's Flask app against Sesame.

Everything here talks to real processes: a `sesame serve` on 127.0.0.1, the Flask sample
(`examples/flask-sample/app.py`) on localhost, and a scripted "browser" (a `requests.Session`
that never follows redirects on its own, so every hop can be asserted).

Run from the repository root:

    python3 -m venv .venv && .venv/bin/pip install -r compat/python/requirements.txt
    cargo build -p sesame
    SESAME_BIN=target/debug/sesame .venv/bin/python -m pytest -q compat/python

On failure the tail of the server logs (Sesame and Flask) is attached to the report.
"""

from __future__ import annotations

import json
import os
import secrets
import shlex
import socket
import subprocess
import sys
import time
from dataclasses import dataclass
from html.parser import HTMLParser
from pathlib import Path
from typing import Callable, Dict, List, Optional
from urllib.parse import parse_qs, urljoin, urlsplit

import pytest
import requests
from logto import LogtoClient, LogtoConfig, Storage

REPO_ROOT = Path(__file__).resolve().parents[2]
FLASK_SAMPLE = REPO_ROOT / "examples" / "flask-sample" / "app.py"

HTTP_TIMEOUT = 10  # seconds, per request
READY_ATTEMPTS = 200  # readiness polling: attempts x interval = 20 s at most
READY_INTERVAL = 0.1
LOG_TAIL_LINES = 150

# Log files of the processes started by fixtures, attached to failure reports.
_LOGS: Dict[str, Path] = {}
# Per test: how far each log had got when the test started.
_LOG_OFFSETS = pytest.StashKey[Dict[str, int]]()


# --------------------------------------------------------------------------------------
# Reporting


@pytest.hookimpl(tryfirst=True)
def pytest_runtest_setup(item):
    # Where each server log stood when this test started (logs started later: from 0).
    item.stash[_LOG_OFFSETS] = {name: _size(path) for name, path in _LOGS.items()}


@pytest.hookimpl(hookwrapper=True)
def pytest_runtest_makereport(item, call):
    outcome = yield
    report = outcome.get_result()
    if report.failed:
        offsets = item.stash.get(_LOG_OFFSETS, {})
        for name, path in _LOGS.items():
            text = log_tail(path, offsets.get(name, 0))
            report.sections.append((f"{name} log during this test (last {LOG_TAIL_LINES} lines)", text))


def _size(path: Path) -> int:
    try:
        return path.stat().st_size
    except OSError:
        return 0


def log_tail(path: Path, offset: int = 0, lines: int = LOG_TAIL_LINES) -> str:
    try:
        with open(path, "rb") as f:
            f.seek(offset)
            text = f.read().decode(errors="replace")
    except OSError as e:
        return f"<could not read {path}: {e}>"
    return "\n".join(text.splitlines()[-lines:])


def describe(resp: requests.Response) -> str:
    """A request/response summary for assertion messages."""
    headers = "\n".join(f"  {k}: {v}" for k, v in resp.headers.items())
    return (
        f"{resp.request.method} {resp.url} -> {resp.status_code}\n{headers}\n"
        f"  body: {resp.text[:1500]!r}"
    )


def expect(resp: requests.Response, status: int) -> requests.Response:
    assert resp.status_code == status, f"expected HTTP {status}, got:\n{describe(resp)}"
    return resp


def query(url: str) -> Dict[str, List[str]]:
    return parse_qs(urlsplit(url).query, keep_blank_values=True)


# --------------------------------------------------------------------------------------
# Processes


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def start_process(name: str, argv: List[str], log_path: Path, env: Optional[dict] = None):
    _LOGS[name] = log_path
    log = open(log_path, "wb")
    try:
        return subprocess.Popen(
            argv, stdout=log, stderr=subprocess.STDOUT, stdin=subprocess.DEVNULL, env=env
        )
    finally:
        log.close()  # the child keeps its own descriptor


def stop_process(proc: subprocess.Popen) -> None:
    if proc.poll() is None:
        proc.terminate()
        try:
            proc.wait(timeout=10)
        except subprocess.TimeoutExpired:
            proc.kill()
            proc.wait()


def wait_until_ready(name: str, proc: subprocess.Popen, probe: Callable[[], bool]) -> None:
    """Poll `probe` (a bounded number of times) until it returns True."""
    last_error = "never answered"
    for _ in range(READY_ATTEMPTS):
        if proc.poll() is not None:
            pytest.fail(
                f"{name} exited with code {proc.returncode} before becoming ready:\n"
                + log_tail(_LOGS[name]),
                pytrace=False,
            )
        try:
            if probe():
                return
            last_error = "answered, but not as expected"
        except requests.RequestException as e:
            last_error = repr(e)
        time.sleep(READY_INTERVAL)
    pytest.fail(
        f"{name} not ready after {READY_ATTEMPTS * READY_INTERVAL:.0f}s ({last_error}):\n"
        + log_tail(_LOGS[name]),
        pytrace=False,
    )


@dataclass
class Sesame:
    bin: Path
    data_dir: Path
    port: int

    @property
    def base_url(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    @property
    def issuer(self) -> str:
        return f"{self.base_url}/oidc"

    def url(self, path: str) -> str:
        return self.base_url + path

    def cli(self, command: str, *args: str) -> dict:
        """Run e.g. `sesame app create --data-dir D ARGS...` and return the JSON it prints."""
        argv = [str(self.bin), *command.split(), "--data-dir", str(self.data_dir), *args]
        done = subprocess.run(argv, capture_output=True, text=True, timeout=60)
        shown = shlex.join(argv)
        if done.returncode != 0:
            pytest.fail(
                f"`{shown}` exited with {done.returncode}\nstdout: {done.stdout}\nstderr: {done.stderr}",
                pytrace=False,
            )
        try:
            return json.loads(done.stdout)
        except json.JSONDecodeError:
            pytest.fail(f"`{shown}` did not print JSON on stdout: {done.stdout!r}", pytrace=False)


@dataclass
class App:
    id: str
    secret: str
    base_url: str  # where the Flask sample runs (http://localhost:<port>)

    @property
    def redirect_uri(self) -> str:
        return self.base_url + "/callback"

    @property
    def post_logout_redirect_uri(self) -> str:
        return self.base_url + "/"


@dataclass
class User:
    id: str
    username: str
    password: str
    email: Optional[str] = None
    name: Optional[str] = None


@dataclass
class FlaskSample:
    base_url: str

    def url(self, path: str) -> str:
        return self.base_url + path


# --------------------------------------------------------------------------------------
# Fixtures


@pytest.fixture(scope="session")
def sesame_bin() -> Path:
    value = os.environ.get("SESAME_BIN")
    if not value:
        pytest.fail(
            "SESAME_BIN is not set: point it at the built server, e.g. "
            "SESAME_BIN=target/debug/sesame python -m pytest compat/python",
            pytrace=False,
        )
    path = Path(value)
    if not (path.is_file() and os.access(path, os.X_OK)):
        pytest.fail(f"SESAME_BIN={value} is not an executable file (build it with `cargo build -p sesame`)", pytrace=False)
    return path.resolve()


@pytest.fixture(scope="session")
def sesame(sesame_bin, tmp_path_factory) -> Sesame:
    """A running `sesame serve` with its own data directory, on 127.0.0.1:<free port>."""
    tmp = tmp_path_factory.mktemp("sesame")
    server = Sesame(bin=sesame_bin, data_dir=tmp / "data", port=free_port())
    server.data_dir.mkdir()
    argv = [
        str(sesame_bin), "serve",
        "--data-dir", str(server.data_dir),
        "--listen", f"127.0.0.1:{server.port}",
        "--endpoint", server.base_url,
    ]
    # Request-level logging helps when a test fails (the log is attached to the report).
    env = {"SESAME_LOG": "info,tower_http=debug", **os.environ, "RUST_BACKTRACE": "1", "NO_COLOR": "1"}
    proc = start_process("sesame", argv, tmp / "sesame.log", env)
    try:
        wait_until_ready(
            "sesame", proc,
            lambda: requests.get(server.url("/api/status"), timeout=1, allow_redirects=False).status_code == 204,
        )
        yield server
    finally:
        stop_process(proc)


@pytest.fixture(scope="session")
def flask_port() -> int:
    return free_port()


@pytest.fixture(scope="session")
def oidc_app(sesame, flask_port) -> App:
    """The guide's application ("traditional" web app) registered for the Flask sample's URLs."""
    base_url = f"http://localhost:{flask_port}"
    created = sesame.cli(
        "app create",
        "--name", "Flask sample",
        "--type", "traditional",
        "--redirect-uri", base_url + "/callback",
        "--post-logout-redirect-uri", base_url + "/",
    )
    assert isinstance(created.get("id"), str) and created["id"], created
    assert isinstance(created.get("secret"), str) and created["secret"], created
    return App(id=created["id"], secret=created["secret"], base_url=base_url)


@pytest.fixture(scope="session")
def alice(sesame) -> User:
    user = User(
        id="",
        username="alice",
        password="Wonderland-Rabbit-42!",
        email="alice@example.com",
        name="Alice Liddell",
    )
    created = sesame.cli(
        "user create",
        "--username", user.username,
        "--password", user.password,
        "--email", user.email,
        "--name", user.name,
    )
    assert isinstance(created.get("id"), str) and created["id"], created
    user.id = created["id"]
    return user


@pytest.fixture(scope="session")
def flask_sample(sesame, oidc_app, flask_port, tmp_path_factory) -> FlaskSample:
    """The guide's Flask app (examples/flask-sample) configured for this Sesame."""
    assert FLASK_SAMPLE.is_file(), f"missing {FLASK_SAMPLE}"
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
    env.pop("LOGTO_SCOPES", None)  # exercise the sample's default scopes
    log = tmp_path_factory.mktemp("flask") / "flask.log"
    proc = start_process("flask", [sys.executable, str(FLASK_SAMPLE)], log, env)
    try:
        wait_until_ready(
            "flask", proc,
            lambda: requests.get(sample.url("/"), timeout=1, allow_redirects=False).status_code == 200,
        )
        yield sample
    finally:
        stop_process(proc)


@pytest.fixture
def browser() -> "Browser":
    """A fresh cookie jar per test, so no test inherits another's sessions."""
    with Browser() as b:
        yield b


# --------------------------------------------------------------------------------------
# The browser


class Browser:
    """A cookie-keeping HTTP client that, like a test-controlled browser, never follows
    redirects by itself: `follow()` takes one hop at a time."""

    REDIRECTS = (301, 302, 303, 307, 308)

    def __init__(self) -> None:
        self.session = requests.Session()

    def __enter__(self) -> "Browser":
        return self

    def __exit__(self, *exc) -> None:
        self.session.close()

    def get(self, url: str, **kwargs) -> requests.Response:
        return self.session.get(url, allow_redirects=False, timeout=HTTP_TIMEOUT, **kwargs)

    def post_form(self, url: str, fields: dict) -> requests.Response:
        return self.session.post(url, data=fields, allow_redirects=False, timeout=HTTP_TIMEOUT)

    def api(self, method: str, url: str, body: Optional[dict] = None) -> requests.Response:
        """A same-origin JSON call, as the hosted page's fetch() makes it."""
        return self.session.request(
            method, url,
            json={} if body is None else body,  # sets Content-Type: application/json
            headers={"Accept": "application/json"},
            allow_redirects=False,
            timeout=HTTP_TIMEOUT,
        )

    def follow(self, resp: requests.Response) -> requests.Response:
        """GET the response's Location (resolved against the current URL)."""
        assert resp.status_code in self.REDIRECTS and "Location" in resp.headers, (
            f"expected a redirect, got:\n{describe(resp)}"
        )
        return self.get(urljoin(resp.url, resp.headers["Location"]))

    def has_cookie(self, name: str) -> bool:
        return any(cookie.name == name for cookie in self.session.cookies)


# --------------------------------------------------------------------------------------
# Sesame's hosted sign-in experience (what its page's JavaScript does)


def check_authorization_url(url: str, sesame: Sesame, app: App) -> Dict[str, List[str]]:
    """Assert the SDK's authorization request targets Sesame with PKCE; return its query."""
    assert url.startswith(sesame.issuer + "/auth?"), url
    q = query(url)
    assert q.get("client_id") == [app.id], q
    assert q.get("redirect_uri") == [app.redirect_uri], q
    assert q.get("response_type") == ["code"], q
    assert q.get("code_challenge_method") == ["S256"], q
    assert q.get("code_challenge", [""])[0], q
    assert q.get("state", [""])[0], q
    assert "openid" in q.get("scope", [""])[0].split(), q
    return q


def open_hosted_page(browser: Browser, app: App, auth_url: str, page: str) -> requests.Response:
    """GET the authorization URL (-> 303 to the hosted page) and then the page itself."""
    resp = expect(browser.get(auth_url), 303)
    location = resp.headers.get("Location", "")
    assert location.startswith(f"/{page}?"), f"expected a relative /{page}?… redirect:\n{describe(resp)}"
    assert query(location).get("app_id") == [app.id], location
    assert browser.has_cookie("_interaction"), f"no _interaction cookie after:\n{describe(resp)}"

    html = expect(browser.follow(resp), 200)
    form_id = "register-form" if page == "register" else "sign-in-form"
    assert f'id="{form_id}"' in html.text, f"no #{form_id} on the page:\n{describe(html)}"
    return html


def start_interaction(browser: Browser, sesame: Sesame, event: str) -> None:
    expect(browser.api("PUT", sesame.url("/api/experience"), {"interactionEvent": event}), 204)


def verify(browser: Browser, sesame: Sesame, kind: str, username: str, password: str) -> requests.Response:
    """POST /api/experience/verification/<kind> with a username identifier and a password."""
    return browser.api(
        "POST",
        sesame.url(f"/api/experience/verification/{kind}"),
        {"identifier": {"type": "username", "value": username}, "password": password},
    )


def identify_and_submit(browser: Browser, sesame: Sesame, verification: requests.Response,
                        identification_status: int) -> str:
    """Identify with the verification, submit the interaction; return `redirectTo`."""
    verification_id = expect(verification, 200).json().get("verificationId")
    assert isinstance(verification_id, str) and verification_id, describe(verification)
    expect(
        browser.api("POST", sesame.url("/api/experience/identification"), {"verificationId": verification_id}),
        identification_status,
    )
    submitted = expect(browser.api("POST", sesame.url("/api/experience/submit"), {}), 200)
    redirect_to = submitted.json().get("redirectTo")
    assert isinstance(redirect_to, str) and redirect_to.startswith(sesame.issuer + "/auth/"), describe(submitted)
    return redirect_to


def return_to_app(browser: Browser, sesame: Sesame, app: App, redirect_to: str, auth_url: str) -> str:
    """GET `redirectTo` (-> 303 to the app's redirect URI); return that callback URL."""
    resp = expect(browser.get(redirect_to), 303)
    callback = resp.headers.get("Location", "")
    assert callback.startswith(app.redirect_uri + "?"), describe(resp)
    q = query(callback)
    assert q.get("code", [""])[0], callback
    assert q.get("state") == query(auth_url)["state"], callback
    assert q.get("iss") == [sesame.issuer], callback
    return callback


def sign_in_via_hosted_flow(browser: Browser, sesame: Sesame, app: App, auth_url: str, user: User) -> str:
    """Sign in with username + password on Sesame's hosted page; return the app's callback URL."""
    open_hosted_page(browser, app, auth_url, "sign-in")
    start_interaction(browser, sesame, "SignIn")
    verification = verify(browser, sesame, "password", user.username, user.password)
    redirect_to = identify_and_submit(browser, sesame, verification, identification_status=204)
    return return_to_app(browser, sesame, app, redirect_to, auth_url)


def register_via_hosted_flow(browser: Browser, sesame: Sesame, app: App, auth_url: str,
                             username: str, password: str) -> str:
    """Create an account on Sesame's hosted /register page; return the app's callback URL."""
    open_hosted_page(browser, app, auth_url, "register")
    start_interaction(browser, sesame, "Register")
    verification = verify(browser, sesame, "new-password-identity", username, password)
    redirect_to = identify_and_submit(browser, sesame, verification, identification_status=201)
    return return_to_app(browser, sesame, app, redirect_to, auth_url)


class _FormParser(HTMLParser):
    def __init__(self) -> None:
        super().__init__()
        self.forms: List[dict] = []
        self.inputs: List[dict] = []

    def handle_starttag(self, tag, attrs):
        if tag == "form":
            self.forms.append(dict(attrs))
        elif tag == "input":
            self.inputs.append(dict(attrs))


def end_sesame_session(browser: Browser, end_session_url: str) -> requests.Response:
    """GET the end-session URL; if Sesame shows its logout confirmation page (Logto's
    auto-submitting `op.logoutForm`), submit it. Returns the final redirect response."""
    resp = browser.get(end_session_url)
    if resp.status_code != 200:
        return expect(resp, 303)

    parser = _FormParser()
    parser.feed(resp.text)
    forms = [f for f in parser.forms if f.get("id") == "op.logoutForm"]
    assert forms, f"no op.logoutForm on the logout page:\n{describe(resp)}"
    form = forms[0]
    assert (form.get("method") or "").lower() == "post", form
    fields = {i.get("name"): i.get("value", "") for i in parser.inputs if i.get("name")}
    assert fields.get("xsrf"), f"no xsrf input on the logout page:\n{describe(resp)}"
    assert fields.get("logout") == "yes", f"no logout=yes input on the logout page:\n{describe(resp)}"

    confirm_url = urljoin(resp.url, form.get("action", ""))
    assert urlsplit(confirm_url).path == "/oidc/session/end/confirm", form
    return expect(browser.post_form(confirm_url, {"xsrf": fields["xsrf"], "logout": "yes"}), 303)


# --------------------------------------------------------------------------------------
# The Flask sample, driven through the browser


def assert_signed_in(page: requests.Response) -> None:
    expect(page, 200)
    assert "Not authenticated" not in page.text and "Authenticated" in page.text, describe(page)


def assert_signed_out(page: requests.Response) -> None:
    expect(page, 200)
    assert "Not authenticated" in page.text, describe(page)


def flask_authorization_url(browser: Browser, sesame: Sesame, app: App, flask: FlaskSample,
                            path: str = "/sign-in") -> str:
    """GET the sample's /sign-in (or /sign-up): it redirects to Sesame's authorization endpoint."""
    resp = expect(browser.get(flask.url(path)), 302)
    auth_url = resp.headers.get("Location", "")
    check_authorization_url(auth_url, sesame, app)
    return auth_url


def flask_callback(browser: Browser, flask: FlaskSample, callback_url: str) -> requests.Response:
    """GET the sample's /callback: it exchanges the code and redirects home. Returns home."""
    resp = expect(browser.get(callback_url), 302)
    assert urljoin(resp.url, resp.headers["Location"]) == flask.url("/"), describe(resp)
    return browser.follow(resp)


def sign_in_through_flask(browser: Browser, sesame: Sesame, app: App, flask: FlaskSample, user: User) -> None:
    auth_url = flask_authorization_url(browser, sesame, app, flask)
    callback = sign_in_via_hosted_flow(browser, sesame, app, auth_url, user)
    assert_signed_in(flask_callback(browser, flask, callback))


# --------------------------------------------------------------------------------------
# The SDK, used directly


class DictStorage(Storage):
    """A private in-memory Storage (the SDK's default MemoryStorage is shared by all clients)."""

    def __init__(self) -> None:
        self.data: Dict[str, Optional[str]] = {}

    def get(self, key: str) -> Optional[str]:
        return self.data.get(key)

    def set(self, key: str, value: Optional[str]) -> None:
        self.data[key] = value

    def delete(self, key: str) -> None:
        self.data.pop(key, None)


def sdk_client(sesame: Sesame, app: App, scopes=(), storage: Optional[Storage] = None, resources=()) -> LogtoClient:
    return LogtoClient(
        LogtoConfig(
            endpoint=sesame.base_url, appId=app.id, appSecret=app.secret, scopes=list(scopes), resources=list(resources)
        ),
        storage=storage if storage is not None else DictStorage(),
    )

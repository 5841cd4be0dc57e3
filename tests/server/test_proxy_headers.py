"""The two-factor bypass of issue 8 #1, tried against the real server.

gunicorn takes a ``SCRIPT_NAME`` header from addresses it trusts as proxies
(127.0.0.1 by default, where a local Caddy or nginx sits). A staff member with
a password only must not reach a page or the API with any header trick.
"""

from __future__ import annotations

import http.client
import http.cookiejar
import re
import urllib.parse
import urllib.request

import pytest

from ketaclinic.demo import DEMO_PASSWORD

from .conftest import Server

pytestmark = pytest.mark.slow

TRICKS = [
    {},
    {"SCRIPT_NAME": "/api"},
    {"SCRIPT_NAME": "/accounts"},
    {"SCRIPT_NAME": "/static"},
    {"SCRIPT-NAME": "/api"},
    {"PATH_INFO": "/healthz"},
    {"X-Forwarded-Prefix": "/api"},
    {"X-Original-URL": "/accounts/login/"},
    {"X-Rewrite-URL": "/healthz"},
    {"X-Forwarded-For": "127.0.0.1", "X-Forwarded-Proto": "https"},
]


class _NoRedirect(urllib.request.HTTPRedirectHandler):
    def redirect_request(self, *args: object, **kwargs: object) -> None:
        return None


def _password_only_session(server: Server, username: str) -> str:
    """Sign in with the password (no TOTP code) and return the Cookie header."""
    jar = http.cookiejar.CookieJar()
    opener = urllib.request.build_opener(urllib.request.HTTPCookieProcessor(jar), _NoRedirect)
    with opener.open(f"{server.base}/accounts/login/") as r:
        token = re.search(rb'name="csrfmiddlewaretoken" value="([^"]+)"', r.read())
    assert token is not None
    body = urllib.parse.urlencode(
        {
            "csrfmiddlewaretoken": token.group(1).decode(),
            "username": username,
            "password": DEMO_PASSWORD,
        }
    ).encode()
    # A good password answers 302 (to the two-factor step), which urllib raises.
    with pytest.raises(urllib.error.HTTPError, match="302"):
        opener.open(f"{server.base}/accounts/login/", data=body)
    return "; ".join(f"{c.name}={c.value}" for c in jar)


def _request(
    server: Server, method: str, path: str, headers: dict[str, str]
) -> tuple[int, str, bytes]:
    host, port = urllib.parse.urlsplit(server.base).netloc.split(":")
    conn = http.client.HTTPConnection(host, int(port), timeout=10)
    conn.putrequest(method, path, skip_accept_encoding=True)
    for name, value in headers.items():
        conn.putheader(name, value)
    conn.endheaders(b"" if method == "GET" else b"{}")
    response = conn.getresponse()
    body = response.read()
    conn.close()
    return response.status, response.getheader("Location") or "", body


@pytest.mark.parametrize("trick", TRICKS, ids=lambda t: ",".join(t) or "no header")
def test_a_password_only_staff_session_reaches_no_page_or_api(server, trick) -> None:
    cookie = _password_only_session(server, "nurse.kim")
    for path in ("/patients/", "/api/patients/", "/accounts/patients/", "/api/me/", "/audit/"):
        status, location, body = _request(server, "GET", path, {"Cookie": cookie, **trick})
        assert status in (302, 401, 404), (path, trick, status)
        if status == 302:
            assert location.endswith("/accounts/two-factor/"), (path, trick, location)
        assert b"KC-0" not in body, (path, trick)  # no chart number of any patient


def test_a_password_only_post_registers_nobody(server) -> None:
    cookie = _password_only_session(server, "desk.lee")
    for trick in TRICKS:
        status, _, _ = _request(
            server,
            "POST",
            "/api/patients/",
            {"Cookie": cookie, "Content-Type": "application/json", **trick},
        )
        assert status in (302, 401, 403, 404), (trick, status)

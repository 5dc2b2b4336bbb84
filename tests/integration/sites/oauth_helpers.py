"""Drives a stand-in site's own login and consent steps without a browser, the way a person's
browser would: log in at the site, open the authorize URL, allow or deny, and return the
redirect back to the portal (its callback URL with code and state, or an error)."""

from __future__ import annotations

import re
from html import unescape
from urllib.parse import urlencode, urljoin, urlsplit

import requests

from tests.standin_sites import PASSWORD


def authorize_at_site(auth_url: str, *, user: str, allow: bool = True) -> str:
    parts = urlsplit(auth_url)
    base = f"{parts.scheme}://{parts.netloc}"
    browser = requests.Session()
    login = browser.post(f"{base}/api/method/login", data={"usr": user, "pwd": PASSWORD})
    assert login.status_code == 200, login.text
    response = browser.get(auth_url, allow_redirects=False)
    for _ in range(10):
        if response.status_code in (301, 302, 303, 307):
            location = urljoin(response.url, response.headers["Location"])
            if "/sites/oauth/callback/" in location:
                return location
            response = browser.get(location, allow_redirects=False)
            continue
        page = response.text
        assert "Confirm Access" in page, page[:500]
        if not allow:
            deny = unescape(re.search(r'id="deny" href="([^"]+)"', page).group(1))
            return urljoin(response.url, deny)
        action = unescape(re.search(r'<form method="get" action="([^"]+)"', page).group(1))
        fields = re.findall(r'type="hidden" name="([^"]+)" value="([^"]*)"', page)
        query = urlencode([(unescape(k), unescape(v)) for k, v in fields])
        response = browser.get(urljoin(response.url, action) + "?" + query, allow_redirects=False)
    raise AssertionError("the site never redirected back to the portal")


def portal_path(location: str) -> str:
    parts = urlsplit(location)
    return f"{parts.path}?{parts.query}"

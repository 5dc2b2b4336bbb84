"""One authenticated call to one site: credentials, the single 401 retry, JSON, typed errors."""

from __future__ import annotations

import json
from collections.abc import Mapping
from typing import Any

from portal.http import Http, HttpResponse

from ..auth import Credential
from ..errors import UnexpectedAnswer, error_for_status

METHOD = "/api/method/"
RESOURCE_TASK = "/api/resource/CRM%20Task"
META_TASK = "/api/v2/doctype/CRM%20Task/meta"


class SiteCaller:
    def __init__(self, *, base_url: str, auth: Credential | None, http: Http, site: str | None):
        self.base_url = base_url.rstrip("/")
        self.auth = auth
        self.http = http
        self.site = site

    def call(
        self,
        verb: str,
        path: str,
        *,
        params: Mapping[str, Any] | None = None,
        json_body: Any = None,
        write: bool = False,
        authenticated: bool = True,
    ) -> Any:
        """The decoded JSON body of a 2xx answer; a typed SiteError otherwise."""
        response, _ = self._send(verb, path, params, json_body, authenticated)
        return self.decode(response, write=write)

    def method(self, name: str, *, verb: str = "GET", write: bool = False, **kwargs: Any) -> Any:
        return self.call(verb, METHOD + name, write=write, **kwargs)

    def _send(
        self, verb: str, path: str, params: Any, json_body: Any, authenticated: bool
    ) -> tuple[HttpResponse, dict[str, str]]:
        headers = {"Accept": "application/json"}
        if authenticated and self.auth is not None:
            headers.update(self.auth.headers())
        response = self._once(verb, path, params, json_body, headers)
        # A 401 is refused before the method runs, so one retry is safe even for a write.
        retry = response.status == 401 and authenticated and self.auth is not None
        if retry and self.auth.retry_after_401(headers):
            headers = {"Accept": "application/json", **self.auth.headers()}
            response = self._once(verb, path, params, json_body, headers)
        return response, headers

    def _once(
        self, verb: str, path: str, params: Any, json_body: Any, headers: dict[str, str]
    ) -> HttpResponse:
        clean = {k: v for k, v in (params or {}).items() if v is not None} or None
        return self.http.request(
            verb,
            self.base_url + path,
            params=clean,
            json=json_body,
            headers=headers,
            site=self.site,
        )

    def decode(self, response: HttpResponse, *, write: bool) -> Any:
        try:
            body = json.loads(response.content.decode("utf-8")) if response.content else None
        except (UnicodeDecodeError, ValueError):
            body = None
            if 200 <= response.status < 300:
                raise UnexpectedAnswer(
                    "The site answered with something other than JSON.",
                    status=response.status,
                    site=self.site,
                ) from None
        if 200 <= response.status < 300:
            return body
        raise error_for_status(
            response.status,
            body if body is not None else _title(response.text),
            site=self.site,
            write=write,
            retry_after=response.headers.get("Retry-After"),
        )


def _title(text: str) -> str:
    """An HTML error page's title is the most a person can use from it."""
    start = text.lower().find("<title>")
    end = text.lower().find("</title>")
    if 0 <= start < end:
        return text[start + 7 : end]
    return ""

"""The "Confirm Access" page shown to clients that do not skip authorization [163]."""

from __future__ import annotations

from html import escape

from standin.frappe.pages import page


def consent_page(
    site, client: dict, user, scopes: list[str], params: list[tuple[str, str]], failure_url: str
):
    """Allow submits the same parameters to `approve` (a plain GET form, no script)."""
    hidden = "".join(
        f'<input type="hidden" name="{escape(k)}" value="{escape(v)}">' for k, v in params
    )
    items = "".join(f"<li>{escape(s)}</li>" for s in scopes)
    body = (
        "<h1>Confirm Access</h1>"
        f"<p><strong>{escape(client['app_name'])}</strong> wants to access your account "
        f"<strong>{escape(user.name)}</strong> on {escape(site.name)}:</p><ul>{items}</ul>"
        '<form method="get" action="/api/method/frappe.integrations.oauth2.approve">'
        f'{hidden}<button type="submit" id="allow">Allow</button></form>'
        f'<p><a id="deny" href="{escape(failure_url)}">Deny</a></p>'
    )
    return page("Confirm Access", body)

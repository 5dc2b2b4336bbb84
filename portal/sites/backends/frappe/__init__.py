"""The Frappe client: the one place in the portal that knows Frappe URLs and JSON shapes.

Import from here; the submodules are the implementation::

    from portal.sites.backends.frappe import FrappeClient, ApiKeyAuth, Http, AddressPolicy, bucket
"""

from portal.http import AddressPolicy, Http

from .auth import ApiKeyAuth, Credential, MemoryTokenStore, OAuthBearer, TokenStore
from .buckets import bucket, portal_status, site_status, site_statuses
from .client import FrappeClient
from .errors import (
    AddressRefused,
    EditConflict,
    InputRefused,
    MethodMissing,
    NoPermission,
    NotFound,
    ReconnectNeeded,
    ServerError,
    SiteError,
    TimedOut,
    Transient,
    UnexpectedAnswer,
    ValidationFailed,
)
from .models import Assignee, Capabilities, Page, SiteBuckets, Task, Vocabulary
from .oauth import authorization_url, exchange_code, password_grant, refresh_grant, revoke

__all__ = [
    "AddressPolicy", "AddressRefused", "ApiKeyAuth", "Assignee", "Capabilities", "Credential",
    "EditConflict",
    "FrappeClient", "SiteError", "Http", "InputRefused", "MemoryTokenStore", "MethodMissing",
    "NoPermission", "NotFound", "OAuthBearer", "Page", "ReconnectNeeded", "ServerError",
    "SiteBuckets", "Task", "TimedOut", "TokenStore", "Transient", "UnexpectedAnswer",
    "ValidationFailed",
    "Vocabulary", "authorization_url", "bucket", "exchange_code", "portal_status",
    "password_grant", "refresh_grant", "revoke", "site_status", "site_statuses",
]  # fmt: skip

from portal.sites.models.access import Profile, SiteGrant, SiteUser, Team
from portal.sites.models.audit import AuditEntry
from portal.sites.models.connection import Connection, ServiceCredential
from portal.sites.models.site import Site

__all__ = [
    "AuditEntry",
    "Connection",
    "Profile",
    "ServiceCredential",
    "Site",
    "SiteGrant",
    "SiteUser",
    "Team",
]

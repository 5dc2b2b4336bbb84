"""Django-CRM (BottleCRM) sites: the only place in the portal that knows their URLs and JSON."""

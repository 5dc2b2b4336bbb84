"""The replay harness of the Frappe recordings (`contract/recordings`, under the rules of
`replay.json`); `python -m standin.replay` runs it, then the Django-CRM one."""

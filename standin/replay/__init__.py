"""Replay plumbing any CRM's harness uses: sending a recorded request and reading the
live answer (`recordings`), the recorded -> live map of issued values, a mismatch
and a page's title (`compare`), and a local webhook receiver (`capture`).

`python -m standin.replay [--recordings DIR] [--flavour F] [--part 1|2] [--only NNN]
[-v]` runs the Frappe harness (`standin.frappe.replay`), then the Django-CRM one
(`standin.djangocrm.replay`), then the EspoCRM one (`standin.espocrm.replay`). Unlike the
servers, the harnesses read the recordings: they are their expected answers.
"""

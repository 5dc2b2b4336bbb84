"""The Frappe CRM stand-in: sites that answer as a real Frappe CRM does (`python -m standin`).

Everything here is Frappe's: the task store and its queries, users and OAuth, webhooks, the
`/_standin/` control API, the site configuration, the cost model and the replay harness of the
Frappe recordings (`standin.frappe.replay`). The infrastructure any emulated CRM uses (clock,
HTTP plumbing, base servers, faults, request log) sits at the top of `standin/`.
"""

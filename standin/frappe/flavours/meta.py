"""`GET /api/v2/doctype/CRM Task/meta` [200].

Only the parts a client reads are reproduced faithfully: the fields with their
fieldname, label, fieldtype, options and reqd, and the permissions. The rest of
a real meta document is site-specific.
"""

from __future__ import annotations

from standin.frappe.flavours import Flavour

# (fieldname, label, fieldtype, options) in the deployed doctype's order [200].
_DEPLOYED_FIELDS = (
    ("task_type", "Task Type", "Select", None),
    ("title", "Title", "Data", None),
    ("priority", "Priority", "Select", None),
    ("start_date", "Start Date", "Datetime", None),
    ("reference_doctype", "Reference Document Type", "Link", "DocType"),
    ("reference_docname", "Reference Doc", "Dynamic Link", "reference_doctype"),
    ("lead", "Lead", "Link", "CRM Lead"),
    ("project", "Project", "Link", "Real Estate Project"),
    ("unit", "Unit", "Link", "Unit"),
    ("project_unit", "Project Unit", "Link", "Project Unit"),
    ("column_break_cqua", None, "Column Break", None),
    ("assigned_to", "Assigned To", "Link", "User"),
    ("status", "Status", "Select", None),
    ("due_date", "Due Date", "Datetime", None),
    ("meeting_attendees", "Meeting Attendees", "Table MultiSelect", "CRM Task User"),
    ("section_break_bzhd", None, "Section Break", None),
    ("column_break_vmos", None, "Column Break", None),
    ("description", "Description", "Text Editor", None),
    ("reminder_section", None, "Section Break", None),
    ("has_reminder", "Has Reminder", "Check", None),
)
_PLAIN_FIELDS = (
    ("title", "Title", "Data", None),
    ("priority", "Priority", "Select", None),
    ("start_date", "Start Date", "Datetime", None),
    ("reference_doctype", "Reference Document Type", "Link", "DocType"),
    ("reference_docname", "Reference Doc", "Dynamic Link", "reference_doctype"),
    ("assigned_to", "Assigned To", "Link", "User"),
    ("status", "Status", "Select", None),
    ("due_date", "Due Date", "Datetime", None),
    ("description", "Description", "Text Editor", None),
)


def task_meta(flavour: Flavour, task_types: tuple[str, ...], modified: str) -> dict:
    fields_src = _PLAIN_FIELDS if flavour.name == "plain" else _DEPLOYED_FIELDS
    options = flavour.select_options(task_types)
    fields = []
    for idx, (fieldname, label, fieldtype, opts) in enumerate(fields_src, start=1):
        if fieldname == "task_type" and not flavour.task_type_is_select:
            fieldtype = "Data"
        if fieldname in options:
            opts = "\n".join(options[fieldname])
        fields.append(
            {
                "doctype": "DocField",
                "name": f"standin-field-{idx}",
                "parent": "CRM Task",
                "parentfield": "fields",
                "parenttype": "DocType",
                "idx": idx,
                "fieldname": fieldname,
                "label": label,
                "fieldtype": fieldtype,
                "options": opts,
                "reqd": 1 if fieldname == "task_type" and flavour.name == "deployed" else 0,
                "default": "CRM Lead" if fieldname == "reference_doctype" else None,
                "in_list_view": 1 if fieldname in ("task_type", "title") else 0,
            }
        )
    permissions = [
        {
            "doctype": "DocPerm",
            "parent": "CRM Task",
            "idx": idx,
            "permlevel": 0,
            "role": role,
            "read": 1,
            "write": 1,
            "create": 1,
            "delete": 1,
            "if_owner": 0,
        }
        for idx, role in enumerate(("Sales User", "Sales Manager"), start=1)
    ]
    return {
        "doctype": "DocType",
        "name": "CRM Task",
        "modified": modified,
        "modified_by": "Administrator",
        "owner": "Administrator",
        "docstatus": 0,
        "idx": 0,
        "module": "FCRM",
        "autoname": "autoincrement",
        "naming_rule": "Autoincrement",
        "sort_field": "modified",
        "sort_order": "DESC",
        "istable": 0,
        "issingle": 0,
        "fields": fields,
        "permissions": permissions,
    }

"""The demo's caught mail (admins only): what the reminders sent, read from the mail catcher's
folder (``portal/ops/mailbox.py``). Outside the demo the folder is empty and the page says where
mail goes instead."""

from django.shortcuts import render

from portal.ops.mailbox import SHOWN, mail_folder, mail_list
from portal.sites.views.guards import admin_required


@admin_required
def mail_page(request):
    return render(
        request,
        "ops/mail.html",
        {"messages_caught": mail_list(folder=mail_folder()), "shown": SHOWN},
    )

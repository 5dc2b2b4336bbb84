from django.urls import path

from portal.ops.mail_views import mail_page

app_name = "ops"

urlpatterns = [
    path("mail/", mail_page, name="mail"),
]

from __future__ import annotations

from django.urls import path

from civicshield.web.mailguard import views

app_name = "mailguard"
urlpatterns = [
    path("", views.check_email, name="check"),
    path("emails/<int:pk>/", views.email_detail, name="email"),
    path("emails/<int:pk>/report/", views.report_ncsc, name="report"),
    path("emails/<int:pk>/ncsc-report.eml", views.report_eml, name="report_eml"),
    path("contacts/", views.contacts, name="contacts"),
    path("contacts/import/", views.contacts_import, name="contacts_import"),
    path("contacts/<int:pk>/delete/", views.contact_delete, name="contact_delete"),
    path("domains/", views.domains, name="domains"),
    path("mailboxes/", views.mailboxes, name="mailboxes"),
    path("mailboxes/connect/", views.mailbox_connect, name="mailbox_connect"),
    path("mailboxes/connect-cloud/", views.mailbox_connect_cloud, name="mailbox_connect_cloud"),
    path("mailboxes/connect-cloud/start/", views.oauth_start, name="oauth_start"),
    path("mailboxes/oauth/callback/", views.oauth_callback, name="oauth_callback"),
    path("mailboxes/<int:pk>/reconnect/", views.mailbox_reconnect, name="mailbox_reconnect"),
    path("mailboxes/<int:pk>/watch-mail/", views.mailbox_watch_mail, name="mailbox_watch_mail"),
    path("mailboxes/<int:pk>/disconnect/", views.mailbox_disconnect, name="mailbox_disconnect"),
    path("mailboxes/<int:pk>/forwarding/", views.forwarding, name="forwarding"),
    path("mailboxes/<int:pk>/forwarding/run/", views.forwarding_run, name="forwarding_run"),
    path("forwarding/", views.forwarding_all, name="forwarding_all"),
]

from __future__ import annotations

from django.urls import path

from civicshield.web.inbox import api, views

app_name = "inbox"
urlpatterns = [
    path("", views.queue, name="queue"),
    path("bulk/", views.bulk, name="bulk"),
    path("messages/<int:pk>/", views.message_detail, name="message"),
    path("messages/<int:pk>/action/", views.message_action, name="message_action"),
    path("authors/<int:pk>/", views.author_detail, name="author"),
    path("import/", views.import_messages, name="import"),
    path("import/<int:pk>/", views.import_status, name="import_status"),
    path("sources/", views.sources, name="sources"),
    path("sources/<int:pk>/disconnect/", views.source_disconnect, name="source_disconnect"),
    path("api-tokens/", views.api_tokens, name="api_tokens"),
    path("api-tokens/<int:pk>/revoke/", views.api_token_revoke, name="api_token_revoke"),
    path("corrections.jsonl", views.corrections_export, name="corrections_export"),
    path("live-count.json", views.live_count, name="live_count"),
]

api_urlpatterns = [
    path("v1/messages", api.push_messages, name="api_push_messages"),
    path("v1/openapi.json", api.openapi, name="api_openapi"),
]

from django.urls import include, path

from cinar.documents import delivery_views, views

app_name = "documents"

urlpatterns = [
    path("", views.document_list, name="list"),
    path("inbox/", views.inbox, name="inbox"),
    path("incoming/new/", views.incoming_register, name="incoming_register"),
    path("new/", views.draft_create, name="draft_create"),
    path("templates/", include("cinar.documents.templates_urls")),
    path("archive/", include("cinar.documents.archive_urls")),
    path("<int:pk>/", views.document_detail, name="detail"),
    path("<int:pk>/edit/", views.draft_edit, name="edit"),
    path("<int:pk>/chain/", views.chain_edit, name="chain"),
    path("<int:pk>/submit/", views.submit, name="submit"),
    path("<int:pk>/route/", views.route, name="route"),
    path("<int:pk>/pdf/", views.signed_pdf, name="signed_pdf"),
    path("<int:pk>/send/", delivery_views.document_send, name="send"),
    path(
        "<int:pk>/attachments/<int:attachment_pk>/",
        views.attachment_download,
        name="attachment",
    ),
    path("routings/<int:pk>/done/", views.routing_done, name="routing_done"),
    path("steps/<int:pk>/approve/", views.step_decide, {"decision": "approve"}, name="approve"),
    path("steps/<int:pk>/return/", views.step_decide, {"decision": "return"}, name="return"),
    path("steps/<int:pk>/sign/", views.step_decide, {"decision": "sign"}, name="sign"),
]

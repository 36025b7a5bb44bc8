"""/staff/documents/archive/ (included in the ``documents`` namespace)."""

from django.urls import path

from cinar.documents import archive_views as v

act = v.disposal_action

urlpatterns = [
    path("", v.archive_browse, name="archive_browse"),
    path("files/<int:pk>/", v.dossier_detail, name="dossier_detail"),
    path("files/<int:pk>/close/", v.dossier_action, {"op": "close"}, name="dossier_close"),
    path("files/<int:pk>/move/", v.dossier_action, {"op": "move"}, name="dossier_move"),
    path("files/<int:pk>/hold/", v.dossier_action, {"op": "hold"}, name="dossier_hold"),
    path("files/<int:pk>/release/", v.dossier_action, {"op": "release"}, name="dossier_release"),
    path("file-document/<int:pk>/", v.document_file, name="document_file"),
    path("disposal/", v.disposal_lists, name="disposal_lists"),
    path("disposal/<int:pk>/", v.disposal_detail, name="disposal_detail"),
    path(
        "disposal/<int:pk>/committee/",
        v.disposal_action,
        {"op": "committee"},
        name="disposal_committee",
    ),
    path("disposal/<int:pk>/approve/", act, {"op": "approve"}, name="disposal_approve"),
    path("disposal/<int:pk>/reject/", act, {"op": "reject"}, name="disposal_reject"),
    path("disposal/<int:pk>/execute/", act, {"op": "execute"}, name="disposal_execute"),
]

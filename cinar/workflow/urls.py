from django.urls import path

from cinar.workflow import views

app_name = "workflow"

urlpatterns = [
    path("inbox/", views.inbox, name="inbox"),
    path("items/<int:pk>/", views.item_detail, name="item_detail"),
    path("items/<int:pk>/claim/", views.item_claim, name="item_claim"),
    path("items/<int:pk>/release/", views.item_release, name="item_release"),
    path("items/<int:pk>/return/", views.item_return, name="item_return"),
    path("items/<int:pk>/reassign/", views.item_reassign, name="item_reassign"),
    path("instances/<int:pk>/", views.instance_detail, name="instance_detail"),
    path("instances/<int:pk>/diagram.bpmn", views.instance_xml, name="instance_xml"),
    path("processes/", views.process_library, name="process_library"),
    path("upload/", views.process_upload, name="process_upload"),
    path("modeler/new/", views.process_modeler_new, name="process_modeler_new"),
    path("modeler/save/", views.process_model_save, name="process_model_save"),
    path("processes/<str:key>/", views.process_detail, name="process_detail"),
    path("processes/<str:key>/model/", views.process_modeler, name="process_modeler"),
    path("processes/<str:key>/start/", views.process_start_test, name="process_start_test"),
    path(
        "processes/<str:key>/versions/<int:number>/",
        views.version_diagram,
        name="version_diagram",
    ),
    path(
        "processes/<str:key>/versions/<int:number>/diagram.bpmn",
        views.version_xml,
        name="version_xml",
    ),
    path(
        "processes/<str:key>/versions/<int:number>/activate/",
        views.version_activate,
        name="version_activate",
    ),
]

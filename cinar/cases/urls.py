from django.urls import path

from cinar.cases import views

app_name = "cases"

urlpatterns = [
    path("", views.case_list, name="list"),
    path("register/", views.register, name="register"),
    path("register/kps/", views.kps_lookup, name="kps_lookup"),
    path("<int:pk>/", views.case_detail, name="detail"),
    path("<int:pk>/diagram.bpmn", views.case_diagram, name="diagram"),
    path("<int:pk>/message/", views.message_post, name="message"),
    path("<int:pk>/request-document/", views.document_request, name="request_document"),
    path("<int:pk>/results/link/", views.result_link, name="result_link"),
    path("<int:pk>/results/<int:result_pk>/", views.result_download, name="result"),
    path(
        "<int:pk>/attachments/<int:attachment_pk>/",
        views.attachment_download,
        name="attachment",
    ),
]

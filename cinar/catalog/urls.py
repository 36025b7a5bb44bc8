from django.urls import path

from cinar.catalog import views

app_name = "catalog"

urlpatterns = [
    path("", views.service_list, name="service_list"),
    path("new/", views.service_create, name="service_create"),
    path("transfer/", views.catalog_transfer, name="transfer"),
    path("export.xlsx", views.catalog_export, name="export"),
    path("s/<str:code>/", views.service_detail, name="service_detail"),
    path("s/<str:code>/edit/", views.service_edit, name="service_edit"),
    path("s/<str:code>/documents/", views.service_documents, name="service_documents"),
    path("s/<str:code>/form/", views.service_attributes, name="service_attributes"),
]

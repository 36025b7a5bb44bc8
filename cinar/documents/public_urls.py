"""Public verification of signed documents, mounted at /dogrula/ (namespace "verify")."""

from django.urls import path

from cinar.documents import public_views

app_name = "verify"

urlpatterns = [
    path("", public_views.verify_form, name="form"),
    path("<str:code>/", public_views.verify_document, name="document"),
    path("<str:code>/pdf/", public_views.verify_pdf, name="pdf"),
]

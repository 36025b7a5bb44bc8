from django.urls import path

from cinar.organization import views

app_name = "organization"

urlpatterns: list = []

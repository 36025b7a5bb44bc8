from django.urls import path

from cinar.identity import views

app_name = "identity"

urlpatterns: list = []

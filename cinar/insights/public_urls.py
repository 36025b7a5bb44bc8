"""Public (no login) insights pages, mounted at /acik-veri/ in config/urls.py."""

from django.urls import path

from . import public_views

app_name = "opendata"

urlpatterns = [path("", public_views.open_data, name="home")]

from django.urls import path

from . import views

app_name = "insights"

urlpatterns = [
    path("", views.home, name="home"),
    path("processes/", views.processes, name="processes"),
    path("workload/", views.workload, name="workload"),
    path("ratings/", views.ratings, name="ratings"),
    path("cases/", views.cases, name="cases"),
    path("export/<slug:table>.csv", views.export, {"fmt": "csv"}, name="export"),
    path("export/<slug:table>.xlsx", views.export, {"fmt": "xlsx"}, name="export_xlsx"),
]

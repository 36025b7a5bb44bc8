from django.urls import path

from cinar.audit import views

app_name = "audit"

urlpatterns = [
    path("", views.event_list, name="event_list"),
    path("<int:sequence>/", views.event_detail, name="event_detail"),
]

from django.urls import path

from cinar.notifications import views

app_name = "notifications"

urlpatterns = [
    path("", views.message_list, name="message_list"),
    path("<int:pk>/", views.message_detail, name="message_detail"),
    path("<int:pk>/retry/", views.message_retry, name="message_retry"),
]

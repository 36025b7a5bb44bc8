from django.urls import path, re_path

from cinar.open311 import views

app_name = "open311"

FMT = r"\.(?P<format>xml|json)$"

urlpatterns = [
    path("", views.root, name="root"),
    re_path(r"^discovery" + FMT, views.DiscoveryView.as_view(), name="discovery"),
    re_path(r"^services" + FMT, views.ServiceListView.as_view(), name="services"),
    re_path(
        r"^services/(?P<service_code>[A-Za-z0-9_-]+)" + FMT,
        views.ServiceDefinitionView.as_view(),
        name="service",
    ),
    re_path(r"^requests" + FMT, views.RequestListView.as_view(), name="requests"),
    re_path(
        r"^requests/(?P<service_request_id>[A-Za-z0-9-]+)" + FMT,
        views.RequestDetailView.as_view(),
        name="request",
    ),
    re_path(r"^tokens/(?P<token_id>[A-Za-z0-9-]+)" + FMT, views.TokenView.as_view(), name="token"),
    re_path(
        r"^servicerequestupdates" + FMT,
        views.RequestUpdatesView.as_view(),
        name="updates",
    ),
]

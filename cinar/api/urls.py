from django.urls import path
from drf_spectacular.views import SpectacularAPIView, SpectacularRedocView, SpectacularSwaggerView

from cinar.api import views

app_name = "api"

urlpatterns = [
    path("schema/", SpectacularAPIView.as_view(), name="schema"),
    path("docs/", SpectacularSwaggerView.as_view(url_name="api:schema"), name="docs"),
    path("redoc/", SpectacularRedocView.as_view(url_name="api:schema"), name="redoc"),
    path("v1/services/", views.ServiceListView.as_view(), name="services"),
    path("v1/services/<str:code>/", views.ServiceDetailView.as_view(), name="service"),
    path("v1/cases/", views.CaseListView.as_view(), name="cases"),
    path("v1/cases/<str:tracking_code>/", views.CaseDetailView.as_view(), name="case"),
    path(
        "v1/cases/<str:tracking_code>/timeline/",
        views.CaseTimelineView.as_view(),
        name="case_timeline",
    ),
    path("v1/auth/token/", views.TokenView.as_view(), name="token"),
    path("v1/auth/token/revoke/", views.TokenRevokeView.as_view(), name="token_revoke"),
]

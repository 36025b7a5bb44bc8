from django.conf import settings
from django.conf.urls.static import static
from django.contrib import admin
from django.urls import include, path

from cinar.core.views import healthz
from cinar.portal.views import home as portal_home

urlpatterns = [
    path("healthz", healthz, name="healthz"),
    path("i18n/", include("django.conf.urls.i18n")),
    path("admin/", admin.site.urls),
    path("accounts/", include("cinar.identity.urls")),
    path("staff/", include("cinar.backoffice.urls")),
    path("staff/organization/", include("cinar.organization.urls")),
    path("staff/catalog/", include("cinar.catalog.urls")),
    path("staff/audit/", include("cinar.audit.urls")),
    path("staff/workflow/", include("cinar.workflow.urls")),
    path("staff/documents/", include("cinar.documents.urls")),
    path("dogrula/", include("cinar.documents.public_urls")),
    path("acik-veri/", include("cinar.insights.public_urls")),
    path("staff/notifications/", include("cinar.notifications.urls")),
    path("staff/cases/", include("cinar.cases.urls")),
    path("staff/insights/", include("cinar.insights.urls")),
    path("open311/v2/", include("cinar.open311.urls")),
    path("api/", include("cinar.api.urls")),
    path("", include("cinar.portal.urls")),
    path("", portal_home, name="home"),
]

if settings.DEBUG:
    urlpatterns += static(settings.MEDIA_URL, document_root=settings.MEDIA_ROOT)

from django.urls import path

from cinar.portal.views import applications, inbox, pages, services, tracking

app_name = "portal"

urlpatterns = [
    path("", pages.home, name="home"),
    path("hizmetler/", services.service_list, name="service_list"),
    path("hizmetler/<str:code>/", services.service_detail, name="service_detail"),
    path("hizmetler/<str:code>/basvur/", applications.apply, name="apply"),
    path("hizmetler/<str:code>/yakindakiler/", applications.nearby, name="nearby"),
    path("hizmetler/<str:code>/adres/", applications.address_picker, name="address_picker"),
    path("hizmetler/<str:code>/takip-et/", applications.follow, name="follow"),
    path("basvurularim/", applications.my_cases, name="my_cases"),
    path("basvurularim/<int:pk>/", applications.case_detail, name="case_detail"),
    path("basvurularim/<int:pk>/alindi/", applications.apply_done, name="apply_done"),
    path("basvurularim/<int:pk>/diagram.bpmn", applications.case_diagram, name="case_diagram"),
    path("basvurularim/<int:pk>/mesaj/", applications.case_message, name="case_message"),
    path(
        "basvurularim/<int:pk>/belge/<int:request_pk>/",
        applications.case_upload,
        name="case_upload",
    ),
    path("basvurularim/<int:pk>/degerlendir/", applications.case_rating, name="case_rating"),
    path(
        "basvurularim/<int:pk>/dosya/<int:attachment_pk>/",
        applications.case_attachment,
        name="case_attachment",
    ),
    path(
        "basvurularim/<int:pk>/sonuc/<int:result_pk>/",
        applications.case_result,
        name="case_result",
    ),
    path("takip/", tracking.track, name="track"),
    path("bildirimler/", inbox.inbox, name="inbox"),
    path("bildirimler/<int:pk>/okundu/", inbox.inbox_mark_read, name="inbox_mark_read"),
    path("bildirimler/okundu/", inbox.inbox_mark_all_read, name="inbox_mark_all_read"),
]

from __future__ import annotations

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile

from cinar.audit.models import AuditEvent
from cinar.catalog import excel
from cinar.catalog.models import RequiredDocument, Service, ServiceAttribute
from cinar.catalog.tests.conftest import login, make_service
from cinar.catalog.tests.test_excel import small_workbook

pytestmark = pytest.mark.django_db

LIST = "/staff/catalog/"


def who(catalog, persona, superuser):
    return {
        "citizen": catalog.org.citizen,
        "staff": catalog.org.staff_member,
        "bim_editor": catalog.bim_editor,
        "catalog_admin": catalog.catalog_admin,
        "system_admin": catalog.org.admin,  # organization admin, no catalog permission
        "superuser": superuser,
    }[persona]


def snapshot():
    return (
        list(Service.objects.order_by("pk").values()),
        list(RequiredDocument.objects.order_by("pk").values()),
        list(ServiceAttribute.objects.order_by("pk").values()),
        AuditEvent.objects.count(),
    )


def service_post(catalog, **over):
    data = {
        "code": "NEW-001",
        "name": "Yeni Hizmet",
        "name_en": "New service",
        "category": catalog.categories["bilgi-islem"].pk,
        "unit": catalog.org.bilgi_islem.pk,
        "legal_basis": "5393 sayılı Belediye Kanunu md. 15",
        "completion_days": "3",
        "fee": "0",
        "fee_note": "",
        "channels": ["web", "email"],
        "visibility": "internal",
        "keywords": "yeni",
        "is_active": "on",
        "process_key": "it_support",
        "description": "",
        "description_en": "",
    }
    data.update(over)
    return data


def documents_post(rows):
    data = {
        "documents-TOTAL_FORMS": str(len(rows)),
        "documents-INITIAL_FORMS": "0",
        "documents-MIN_NUM_FORMS": "0",
        "documents-MAX_NUM_FORMS": "1000",
    }
    for i, row in enumerate(rows):
        for key, value in row.items():
            data[f"documents-{i}-{key}"] = value
    return data


def attributes_post(rows):
    data = {
        "attributes-TOTAL_FORMS": str(len(rows)),
        "attributes-INITIAL_FORMS": "0",
        "attributes-MIN_NUM_FORMS": "0",
        "attributes-MAX_NUM_FORMS": "1000",
    }
    for i, row in enumerate(rows):
        for key, value in row.items():
            data[f"attributes-{i}-{key}"] = value
    return data


# --- reading ---------------------------------------------------------------------------------

READ_URLS = [
    LIST,
    f"{LIST}s/BIM-001/",
    f"{LIST}s/CINAR-001/",
    f"{LIST}transfer/",
    f"{LIST}export.xlsx",
]


@pytest.mark.parametrize("url", READ_URLS)
def test_anonymous_is_sent_to_login(client, catalog, url):
    response = client.get(url)
    assert response.status_code == 302
    assert "/accounts/login/" in response["Location"]


@pytest.mark.parametrize("url", READ_URLS)
def test_citizen_is_refused(client, catalog, url):
    login(client, catalog.org.citizen)
    assert client.get(url).status_code == 403


@pytest.mark.parametrize("persona", ["staff", "bim_editor", "catalog_admin", "superuser"])
@pytest.mark.parametrize("url", READ_URLS)
def test_any_staff_may_read(client, catalog, superuser, persona, url):
    login(client, who(catalog, persona, superuser))
    response = client.get(url)
    assert response.status_code == 200


def test_unknown_code_is_404(client, catalog):
    login(client, catalog.catalog_admin)
    for suffix in ("", "edit/", "documents/", "form/"):
        assert client.get(f"{LIST}s/NOPE-404/{suffix}").status_code == 404


def test_detail_shows_everything(client, catalog):
    login(client, catalog.org.staff_member)
    html = client.get(f"{LIST}s/BIM-001/").content.decode()
    assert "Bilgi İşlem Arıza ve Destek Talebi" in html
    assert "Demirbaş tutanağı" in html
    assert 'id="preview_kategori_0"' in html and "disabled" in html
    assert "/edit/" not in html  # no edit link for a reader


def test_detail_offers_editing_to_managers(client, catalog):
    login(client, catalog.bim_editor)
    assert f"{LIST}s/BIM-001/edit/" in client.get(f"{LIST}s/BIM-001/").content.decode()
    assert f"{LIST}s/CINAR-001/edit/" not in client.get(f"{LIST}s/CINAR-001/").content.decode()


def test_list_search_and_filters(client, catalog):
    login(client, catalog.org.staff_member)
    html = client.get(LIST, {"q": "SIKAYET"}).content.decode()
    assert "CINAR-001" in html and "BIM-001" not in html
    html = client.get(LIST, {"unit": "BIM", "visibility": "internal"}).content.decode()
    assert "BIM-001" in html and "CINAR-001" not in html
    html = client.get(LIST, {"channel": "call_center", "active": "yes"}).content.decode()
    assert "CINAR-001" in html and "BIM-001" not in html
    html = client.get(LIST, {"category": "imar"}).content.decode()
    assert "CINAR-001" not in html and "BIM-001" not in html


def test_list_query_count_does_not_grow(client, catalog, django_assert_max_num_queries):
    login(client, catalog.org.staff_member)
    with django_assert_max_num_queries(12) as small:
        assert client.get(LIST).status_code == 200
    for n in range(30):
        make_service(
            unit=catalog.org.destek, code=f"QRY-{n:03d}", category=catalog.categories["imar"]
        )
    with django_assert_max_num_queries(12) as big:
        assert client.get(LIST).status_code == 200
    assert len(big.captured_queries) == len(small.captured_queries)


def test_detail_query_count(client, catalog, django_assert_max_num_queries):
    login(client, catalog.org.staff_member)
    with django_assert_max_num_queries(15):
        assert client.get(f"{LIST}s/BIM-001/").status_code == 200


def test_export_is_an_xlsx(client, catalog):
    login(client, catalog.org.staff_member)
    response = client.get(f"{LIST}export.xlsx")
    assert response["Content-Type"] == excel.XLSX_CONTENT_TYPE
    assert "attachment" in response["Content-Disposition"]
    assert response.content.startswith(b"PK")


# --- creating ---------------------------------------------------------------------------------


def test_create_anonymous_and_citizen(client, catalog):
    before = snapshot()
    assert client.post(f"{LIST}new/", service_post(catalog)).status_code == 302
    login(client, catalog.org.citizen)
    assert client.post(f"{LIST}new/", service_post(catalog)).status_code == 403
    assert snapshot() == before


@pytest.mark.parametrize("persona", ["staff", "system_admin"])
def test_create_refused_without_permission(client, catalog, superuser, persona):
    login(client, who(catalog, persona, superuser))
    before = snapshot()
    assert client.get(f"{LIST}new/").status_code == 403
    assert client.post(f"{LIST}new/", service_post(catalog)).status_code == 403
    assert snapshot() == before


@pytest.mark.parametrize("persona", ["bim_editor", "catalog_admin", "superuser"])
def test_create_with_permission(client, catalog, superuser, persona):
    user = who(catalog, persona, superuser)
    login(client, user)
    assert client.get(f"{LIST}new/").status_code == 200
    response = client.post(f"{LIST}new/", service_post(catalog, code="new-001"))
    assert response.status_code == 302
    assert response["Location"] == f"{LIST}s/NEW-001/"
    service = Service.objects.get(code="NEW-001")
    assert service.channels == ["web", "email"]
    assert service.process_key == "it_support"
    assert service.updated_by == user
    assert AuditEvent.objects.filter(action="catalog.service.create", actor_id=user.pk).exists()


def test_unit_editor_cannot_create_outside_their_units(client, catalog):
    login(client, catalog.bim_editor)
    before = snapshot()
    response = client.post(f"{LIST}new/", service_post(catalog, unit=catalog.org.destek.pk))
    assert response.status_code == 200
    assert "unit" in response.context["form"].errors
    assert snapshot() == before


def test_create_shows_field_errors(client, catalog):
    login(client, catalog.catalog_admin)
    before = snapshot()
    response = client.post(
        f"{LIST}new/", service_post(catalog, code="BIM-001", completion_days="0", channels=["fax"])
    )
    assert response.status_code == 200
    errors = response.context["form"].errors
    assert {"code", "completion_days", "channels"} <= set(errors)
    html = response.content.decode()
    assert 'aria-invalid="true"' in html and 'role="alert"' in html
    assert snapshot() == before


# --- editing ---------------------------------------------------------------------------------

EDIT_PAGES = ["edit/", "documents/", "form/"]


def edit_payload(catalog, page):
    if page == "edit/":
        data = service_post(catalog, name="Değişti", visibility="public")
        data.pop("code")
        return data
    if page == "documents/":
        return documents_post([{"name": "Yeni belge", "is_mandatory": "on", "ORDER": "1"}])
    return attributes_post(
        [{"code": "plaka", "label": "Plaka", "datatype": "string", "required": "on", "ORDER": "1"}]
    )


@pytest.mark.parametrize("page", EDIT_PAGES)
def test_edit_anonymous_and_citizen(client, catalog, page):
    url = f"{LIST}s/BIM-001/{page}"
    before = snapshot()
    assert client.post(url, edit_payload(catalog, page)).status_code == 302
    login(client, catalog.org.citizen)
    assert client.get(url).status_code == 403
    assert client.post(url, edit_payload(catalog, page)).status_code == 403
    assert snapshot() == before


@pytest.mark.parametrize("page", EDIT_PAGES)
@pytest.mark.parametrize("persona", ["staff", "system_admin"])
def test_edit_refused_for_readers(client, catalog, superuser, page, persona):
    login(client, who(catalog, persona, superuser))
    url = f"{LIST}s/BIM-001/{page}"
    before = snapshot()
    assert client.get(url).status_code == 403
    assert client.post(url, edit_payload(catalog, page)).status_code == 403
    assert snapshot() == before


@pytest.mark.parametrize("page", EDIT_PAGES)
def test_unit_editor_is_refused_on_other_units(client, catalog, page):
    login(client, catalog.bim_editor)
    url = f"{LIST}s/CINAR-001/{page}"
    before = snapshot()
    assert client.get(url).status_code == 403
    assert client.post(url, edit_payload(catalog, page)).status_code == 403
    assert snapshot() == before


@pytest.mark.parametrize("page", EDIT_PAGES)
@pytest.mark.parametrize("persona", ["bim_editor", "catalog_admin", "superuser"])
def test_edit_with_permission(client, catalog, superuser, page, persona):
    login(client, who(catalog, persona, superuser))
    url = f"{LIST}s/BIM-001/{page}"
    assert client.get(url).status_code == 200
    response = client.post(url, edit_payload(catalog, page))
    assert response.status_code == 302, (
        getattr(response, "context", None)
        and (response.context.get("form") or response.context.get("formset")).errors
    )
    service = Service.objects.get(code="BIM-001")
    if page == "edit/":
        assert service.name == "Değişti" and service.visibility == "public"
    elif page == "documents/":
        assert [d.name for d in service.documents.all()] == ["Yeni belge"]
    else:
        assert [(a.code, a.required) for a in service.attributes.all()] == [("plaka", True)]


def test_documents_formset_keeps_order_and_deletes(client, catalog):
    login(client, catalog.catalog_admin)
    url = f"{LIST}s/CINAR-001/documents/"
    data = documents_post(
        [
            {"name": "Dilekçe", "ORDER": "3", "is_mandatory": "on"},
            {"name": "Kimlik", "ORDER": "1", "is_mandatory": "on"},
            {"name": "Silinecek", "ORDER": "2", "DELETE": "on"},
            {"name": "", "ORDER": "", "is_mandatory": "on"},  # a blank row as rendered
        ]
    )
    assert client.post(url, data).status_code == 302
    assert [d.name for d in catalog.complaint.documents.all()] == ["Kimlik", "Dilekçe"]


def test_attribute_formset_refuses_bad_definition_and_keeps_old(client, catalog):
    login(client, catalog.catalog_admin)
    before = snapshot()
    url = f"{LIST}s/BIM-001/form/"
    data = attributes_post(
        [
            {"code": "tur", "label": "Tür", "datatype": "singlevaluelist", "ORDER": "1"},
            {
                "code": "sayi",
                "label": "Sayı",
                "datatype": "number",
                "values": "a = A",
                "ORDER": "2",
            },
        ]
    )
    response = client.post(url, data)
    assert response.status_code == 200
    html = response.content.decode()
    assert "a list field needs at least one value" in html
    assert "only list fields have values" in html
    assert snapshot() == before


def test_attribute_formset_with_list_values(client, catalog):
    login(client, catalog.catalog_admin)
    url = f"{LIST}s/CINAR-001/form/"
    data = attributes_post(
        [
            {
                "code": "konu",
                "label": "Konu",
                "label_en": "Subject",
                "datatype": "multivaluelist",
                "values": "temizlik = Temizlik | Cleaning\nyol = Yol",
                "ORDER": "1",
            }
        ]
    )
    assert client.post(url, data).status_code == 302
    attribute = catalog.complaint.attributes.get()
    assert [(v.key, v.name, v.name_en) for v in attribute.values.all()] == [
        ("temizlik", "Temizlik", "Cleaning"),
        ("yol", "Yol", ""),
    ]


# --- import ----------------------------------------------------------------------------------


def upload(data, name="catalog.xlsx", dry_run=False):
    payload = {"file": SimpleUploadedFile(name, data, content_type="application/octet-stream")}
    if dry_run:
        payload["dry_run"] = "on"
    return payload


@pytest.mark.parametrize("persona", ["staff", "bim_editor", "system_admin"])
def test_import_refused_without_municipality_wide_permission(client, catalog, superuser, persona):
    login(client, who(catalog, persona, superuser))
    before = snapshot()
    response = client.get(f"{LIST}transfer/")
    assert 'type="file"' not in response.content.decode()
    assert client.post(f"{LIST}transfer/", upload(small_workbook())).status_code == 403
    assert snapshot() == before


def test_import_anonymous_and_citizen(client, catalog):
    before = snapshot()
    assert client.post(f"{LIST}transfer/", upload(small_workbook())).status_code == 302
    login(client, catalog.org.citizen)
    assert client.post(f"{LIST}transfer/", upload(small_workbook())).status_code == 403
    assert snapshot() == before


@pytest.mark.parametrize("persona", ["catalog_admin", "superuser"])
def test_import_with_permission(client, catalog, superuser, persona):
    login(client, who(catalog, persona, superuser))
    response = client.post(f"{LIST}transfer/", upload(small_workbook(), dry_run=True))
    assert response.status_code == 200
    assert response.context["summary"].created == ["IMP-001"]
    assert not Service.objects.filter(code="IMP-001").exists()
    response = client.post(f"{LIST}transfer/", upload(small_workbook()))
    assert response.status_code == 200
    assert Service.objects.filter(code="IMP-001").exists()


def test_import_refuses_a_renamed_file_by_content(client, catalog):
    login(client, catalog.catalog_admin)
    before = snapshot()
    response = client.post(f"{LIST}transfer/", upload(b"%PDF-1.4 fake", name="catalog.xlsx"))
    assert response.status_code == 400
    assert "not an Excel workbook" in response.content.decode()
    assert snapshot() == before


def test_import_shows_row_errors(client, catalog):
    login(client, catalog.catalog_admin)
    from cinar.catalog.tests.test_excel import service_row

    data = small_workbook(services=[service_row(completion_days="2,5")])
    response = client.post(f"{LIST}transfer/", upload(data))
    assert response.status_code == 400
    assert "row 2, column Süre / Working days" in response.content.decode()
    assert not Service.objects.filter(code="IMP-001").exists()

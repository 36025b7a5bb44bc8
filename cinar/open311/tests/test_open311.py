"""GeoReport v2 endpoints in both formats, checked against the spec's shapes."""

from __future__ import annotations

import datetime as dt
import json
from io import StringIO

import pytest
from defusedxml import ElementTree
from django.core.management import call_command
from django.urls import reverse
from django.utils import timezone

from cinar.cases.actions import case_message_post
from cinar.cases.models import Case
from cinar.cases.tests.world import english_step_deploy
from cinar.open311.actions import DEMO_API_KEY, open311_demo_client
from cinar.open311.models import ClientApplication, hash_key

from .conftest import PERSONAL

pytestmark = pytest.mark.django_db

BASE = "/open311/v2/"
REQUEST_FIELDS = [
    "service_request_id",
    "status",
    "status_notes",
    "service_name",
    "service_code",
    "description",
    "agency_responsible",
    "service_notice",
    "requested_datetime",
    "updated_datetime",
    "expected_datetime",
    "address",
    "address_id",
    "zipcode",
    "lat",
    "long",
    "media_url",
]


def xml(response):
    assert response["Content-Type"].startswith("text/xml")
    return ElementTree.fromstring(response.content)  # raises on malformed XML


def js(response):
    assert response["Content-Type"].startswith("application/json")
    return json.loads(response.content)


def assert_no_personal_data(world, response):
    body = response.content.decode()
    for person, user in (("a", world.citizen_a), ("b", world.citizen_b)):
        for value in [*PERSONAL[person].values(), user.tckn]:
            assert value not in body, value


def post_request(client, world, fmt="json", **overrides):
    data = {
        "api_key": world.api_key,
        "service_code": "CINAR-001",
        "lat": "39.9208",
        "long": "32.8541",
        "address_string": "Kızılay Meydanı",
        "email": "mobil@example.test",
        "first_name": "Mobil",
        "last_name": "Kullanıcı",
        "phone": "+905551112233",
        "device_id": "device-1",
        "description": "Çöp toplanmadı",
        "attribute[kategori]": "temizlik",
        "attribute[zaman][]": ["sabah", "aksam"],
    }
    data.update(overrides)
    data = {k: v for k, v in data.items() if v is not None}
    return client.post(f"{BASE}requests.{fmt}", data)


# --- discovery -----------------------------------------------------------------------------


def test_discovery_json(client, world):
    data = js(client.get(f"{BASE}discovery.json"))
    assert {"changeset", "contact", "key_service", "endpoints"} <= set(data)
    endpoint = data["endpoints"][0]
    assert endpoint["specification"] == "http://wiki.open311.org/GeoReport_v2"
    assert endpoint["url"].endswith("/open311/v2/")
    assert endpoint["type"] in {"production", "test"}
    assert endpoint["formats"] == ["text/xml", "application/json"]


def test_discovery_xml(client, world):
    root = xml(client.get(f"{BASE}discovery.xml"))
    assert root.tag == "discovery"
    assert root.findtext("endpoints/endpoint/specification") == (
        "http://wiki.open311.org/GeoReport_v2"
    )
    assert [f.text for f in root.findall("endpoints/endpoint/formats/format")] == [
        "text/xml",
        "application/json",
    ]


def test_root_redirects_to_discovery(client, world):
    response = client.get(BASE)
    assert response.status_code == 302
    assert response["Location"].endswith("discovery.xml")


# --- services ------------------------------------------------------------------------------


def test_services_json_lists_only_public_services_on_web_or_mobile(client, world):
    data = js(client.get(f"{BASE}services.json"))
    assert [s["service_code"] for s in data] == ["CINAR-001"]
    service = data[0]
    assert service == {
        "service_code": "CINAR-001",
        "service_name": "Requests and complaints",
        "description": "Your complaints",
        "metadata": True,
        "type": "realtime",
        "keywords": "şikayet, öneri",
        "group": service["group"],
    }
    assert service["group"]


def test_services_xml_and_locale(client, world):
    root = xml(client.get(f"{BASE}services.xml", {"locale": "tr"}))
    assert root.tag == "services"
    services = root.findall("service")
    assert len(services) == 1
    assert services[0].findtext("service_code") == "CINAR-001"
    assert services[0].findtext("service_name") == "İstek ve Şikayet"
    assert services[0].findtext("metadata") == "true"


def test_services_accept_language(client, world):
    data = js(client.get(f"{BASE}services.json", HTTP_ACCEPT_LANGUAGE="tr"))
    assert data[0]["service_name"] == "İstek ve Şikayet"


def test_service_definition_json(client, world):
    data = js(client.get(f"{BASE}services/CINAR-001.json", {"locale": "en"}))
    assert data["service_code"] == "CINAR-001"
    first = data["attributes"][0]
    assert first == {
        "variable": True,
        "code": "kategori",
        "datatype": "singlevaluelist",
        "required": True,
        "datatype_description": "Topic",
        "order": first["order"],
        "description": "Category",
        "values": [
            {"key": "temizlik", "name": "Cleaning"},
            {"key": "aydinlatma", "name": "Lighting"},
        ],
    }
    assert [a["datatype"] for a in data["attributes"]] == [
        "singlevaluelist",
        "multivaluelist",
        "number",
    ]


def test_service_definition_xml(client, world):
    root = xml(client.get(f"{BASE}services/CINAR-001.xml"))
    assert root.tag == "service_definition"
    assert root.findtext("service_code") == "CINAR-001"
    attribute = root.find("attributes/attribute")
    assert attribute.findtext("variable") == "true"
    assert attribute.findtext("code") == "kategori"
    assert [v.findtext("key") for v in attribute.findall("values/value")] == [
        "temizlik",
        "aydinlatma",
    ]


@pytest.mark.parametrize("code", ["NOPE-001", "BIM-001", "DESK-001"])
def test_service_definition_404_in_both_formats(client, world, code):
    response = client.get(f"{BASE}services/{code}.json")
    assert response.status_code == 404
    assert js(response) == [{"code": 404, "description": "Not found."}]
    response = client.get(f"{BASE}services/{code}.xml")
    assert response.status_code == 404
    root = xml(response)
    assert root.tag == "errors"
    assert root.findtext("error/code") == "404"
    assert root.findtext("error/description")


# --- POST requests -------------------------------------------------------------------------


def test_post_request_json_creates_a_case(client, world):
    before = Case.objects.count()
    response = post_request(client, world)
    assert response.status_code == 200, response.content
    data = js(response)
    assert len(data) == 1
    assert set(data[0]) == {"service_request_id", "service_notice", "account_id"}
    case = Case.objects.get(tracking_code=data[0]["service_request_id"])
    assert Case.objects.count() == before + 1
    assert case.channel == "mobile"
    assert case.form_data["kategori"] == "temizlik"
    assert case.form_data["zaman"] == ["sabah", "aksam"]
    assert str(case.latitude) == "39.920800"
    assert case.address_text == "Kızılay Meydanı"
    assert case.applicant is None
    assert case.applicant_email == "mobil@example.test"
    world.client.refresh_from_db()
    assert world.client.last_used_at is not None


def test_post_request_xml(client, world):
    response = post_request(client, world, fmt="xml")
    assert response.status_code == 200, response.content
    root = xml(response)
    assert root.tag == "service_requests"
    code = root.findtext("request/service_request_id")
    assert Case.objects.filter(tracking_code=code).exists()
    assert root.find("request/service_notice") is not None
    assert root.find("request/account_id") is not None


def test_post_request_is_idempotent_for_the_same_body(client, world):
    first = js(post_request(client, world))
    count = Case.objects.count()
    second = js(post_request(client, world))
    assert first[0]["service_request_id"] == second[0]["service_request_id"]
    assert Case.objects.count() == count
    third = js(post_request(client, world, description="Başka bir şey"))
    assert third[0]["service_request_id"] != first[0]["service_request_id"]


def test_post_request_idempotency_key_header(client, world):
    url = f"{BASE}requests.json"
    base = {
        "api_key": world.api_key,
        "service_code": "CINAR-001",
        "lat": "39.9",
        "long": "32.8",
        "email": "x@example.test",
        "attribute[kategori]": "temizlik",
    }
    one = js(client.post(url, {**base, "description": "a"}, HTTP_IDEMPOTENCY_KEY="k-1"))
    two = js(client.post(url, {**base, "description": "b"}, HTTP_IDEMPOTENCY_KEY="k-1"))
    assert one[0]["service_request_id"] == two[0]["service_request_id"]


@pytest.mark.parametrize(
    ("overrides", "field"),
    [
        ({"service_code": None}, "service_code"),
        ({"lat": "north"}, "lat"),
        ({"lat": "95"}, "lat"),
        ({"long": None}, "lat"),
        ({"lat": None, "long": None, "address_string": None}, "lat"),
        ({"attribute[kategori]": None}, "kategori"),
        ({"attribute[kategori]": "yok"}, "kategori"),
        ({"email": None, "phone": None}, "phone"),
        ({"service_code": "DESK-001"}, "channel"),
        ({"service_code": "BIM-001"}, "service"),
    ],
)
def test_post_request_bad_input_is_400_naming_the_field(client, world, overrides, field):
    before = Case.objects.count()
    response = post_request(client, world, **overrides)
    assert response.status_code == 400, response.content
    error = js(response)[0]
    assert error["code"] == 400
    assert field in error["description"]
    assert Case.objects.count() == before


def test_post_request_errors_in_xml(client, world):
    response = post_request(client, world, fmt="xml", service_code=None)
    assert response.status_code == 400
    root = xml(response)
    assert root.tag == "errors"
    assert root.findtext("error/code") == "400"
    assert "service_code" in root.findtext("error/description")


@pytest.mark.parametrize("key", [None, "", "wrong-key", "inactive"])
def test_post_request_needs_a_valid_api_key(client, world, key):
    if key == "inactive":
        ClientApplication.objects.filter(pk=world.client.pk).update(is_active=False)
        key = world.api_key
    before = Case.objects.count()
    response = post_request(client, world, api_key=key)
    expected = 400 if not key else 403
    assert response.status_code == expected
    assert "api_key" in js(response)[0]["description"]
    assert Case.objects.count() == before


# --- GET requests --------------------------------------------------------------------------


def test_get_requests_json_has_the_spec_fields_and_no_personal_data(client, world):
    response = client.get(f"{BASE}requests.json")
    data = js(response)
    assert {r["service_request_id"] for r in data} == {
        world.case_a.tracking_code,
        world.case_b.tracking_code,
    }
    for row in data:
        assert list(row) == REQUEST_FIELDS
        assert row["status"] == "open"
        assert row["service_code"] == "CINAR-001"
    assert_no_personal_data(world, response)


def test_get_requests_xml(client, world):
    response = client.get(f"{BASE}requests.xml")
    root = xml(response)
    assert root.tag == "service_requests"
    requests = root.findall("request")
    assert len(requests) == 2
    assert [child.tag for child in requests[0]] == REQUEST_FIELDS
    assert_no_personal_data(world, response)


def test_get_requests_filters(client, world):
    code_a = world.case_a.tracking_code
    data = js(client.get(f"{BASE}requests.json", {"service_request_id": code_a}))
    assert [r["service_request_id"] for r in data] == [code_a]
    both = f"{code_a},{world.case_b.tracking_code}"
    assert len(js(client.get(f"{BASE}requests.json", {"service_request_id": both}))) == 2
    assert js(client.get(f"{BASE}requests.json", {"service_code": "DESK-001"})) == []
    assert len(js(client.get(f"{BASE}requests.json", {"status": "open"}))) == 2
    assert js(client.get(f"{BASE}requests.json", {"status": "closed"})) == []
    Case.objects.filter(pk=world.case_b.pk).update(status="closed")
    closed = js(client.get(f"{BASE}requests.json", {"status": "closed"}))
    assert [r["service_request_id"] for r in closed] == [world.case_b.tracking_code]


def test_get_requests_date_window(client, world):
    old = js(client.get(f"{BASE}requests.json", {"end_date": "2020-01-31T00:00:00Z"}))
    assert old == []
    window = {"start_date": "2020-01-01T00:00:00Z", "end_date": "2020-12-31T00:00:00Z"}
    response = client.get(f"{BASE}requests.json", window)
    assert response.status_code == 400
    assert "end_date" in js(response)[0]["description"]
    response = client.get(f"{BASE}requests.json", {"start_date": "yesterday"})
    assert response.status_code == 400
    assert "start_date" in js(response)[0]["description"]
    response = client.get(f"{BASE}requests.json", {"status": "pending"})
    assert response.status_code == 400
    assert "status" in js(response)[0]["description"]


def test_status_notes_name_the_step_in_the_requests_language(client, world):
    """The current step's English name where its process writes one (cinar:nameEn)."""
    english_step_deploy(world)
    url = f"{BASE}requests/{world.case_a.tracking_code}.json"
    assert js(client.get(url, HTTP_ACCEPT_LANGUAGE="en"))[0]["status_notes"] == "Review"
    assert js(client.get(url, HTTP_ACCEPT_LANGUAGE="tr"))[0]["status_notes"] == "İnceleme"


def test_get_requests_hides_cases_of_internal_services(client, world):
    Case.objects.filter(pk=world.case_b.pk).update(service=world.internal)
    data = js(client.get(f"{BASE}requests.json"))
    assert [r["service_request_id"] for r in data] == [world.case_a.tracking_code]
    response = client.get(f"{BASE}requests/{world.case_b.tracking_code}.json")
    assert response.status_code == 404


def test_get_one_request_in_both_formats(client, world):
    code = world.case_a.tracking_code
    response = client.get(f"{BASE}requests/{code}.json")
    data = js(response)
    assert len(data) == 1
    assert data[0]["service_request_id"] == code
    assert data[0]["lat"] == pytest.approx(39.9208)
    assert_no_personal_data(world, response)
    response = client.get(f"{BASE}requests/{code}.xml")
    root = xml(response)
    assert root.tag == "service_requests"
    assert root.findtext("request/service_request_id") == code
    assert_no_personal_data(world, response)


def test_get_unknown_request_is_404(client, world):
    response = client.get(f"{BASE}requests/ABCDEFGHJKL.json")
    assert response.status_code == 404
    assert js(response)[0]["code"] == 404


def test_tokens(client, world):
    code = world.case_a.tracking_code
    data = js(client.get(f"{BASE}tokens/{code}.json"))
    assert data == [{"service_request_id": code, "token": code}]
    root = xml(client.get(f"{BASE}tokens/{code}.xml"))
    assert root.findtext("request/token") == code
    assert client.get(f"{BASE}tokens/ABCDEFGHJKL.json").status_code == 404


def test_service_request_updates(client, world):
    code = world.case_a.tracking_code
    response = client.get(f"{BASE}servicerequestupdates.json", {"service_request_id": code})
    data = js(response)
    assert data
    for row in data:
        assert list(row) == [
            "update_id",
            "service_request_id",
            "status",
            "updated_datetime",
            "description",
        ]
        assert row["service_request_id"] == code
    assert_no_personal_data(world, response)
    response = client.get(f"{BASE}servicerequestupdates.xml")
    root = xml(response)
    assert root.tag == "service_request_updates"
    assert root.findall("request_update")
    assert_no_personal_data(world, response)


def test_unknown_format_is_404(client, world):
    assert client.get(f"{BASE}services.html").status_code == 404


# --- client applications -------------------------------------------------------------------


def test_open311_key_command_prints_the_key_last(world):
    out = StringIO()
    call_command("open311_key", "Mahalle Uygulaması", stdout=out)
    key = out.getvalue().strip().splitlines()[-1]
    client = ClientApplication.objects.get(name="Mahalle Uygulaması")
    assert client.key_hash == hash_key(key)
    assert key not in client.key_hash
    assert client.key_prefix == key[:8]


def test_open311_key_command_refuses_a_duplicate_name(world):
    from django.core.management.base import CommandError

    with pytest.raises(CommandError):
        call_command("open311_key", "Test istemci", stdout=StringIO())
    assert ClientApplication.objects.filter(name="Test istemci").count() == 1


def test_demo_client_is_created_once(db):
    assert open311_demo_client() == DEMO_API_KEY
    assert open311_demo_client() == DEMO_API_KEY
    assert ClientApplication.objects.filter(key_hash=hash_key(DEMO_API_KEY)).count() == 1


def test_reverse_names(world):
    assert reverse("open311:requests", kwargs={"format": "xml"}) == f"{BASE}requests.xml"


# --- authorization matrix ------------------------------------------------------------------

PERSONAS = ["anonymous", "citizen_a", "citizen_b", "staff", "manager"]


def _persona(world, name):
    return {
        "anonymous": None,
        "citizen_a": world.citizen_a,
        "citizen_b": world.citizen_b,
        "staff": world.org.staff_member,
        "manager": world.org.manager,
    }[name]


@pytest.mark.parametrize("who", PERSONAS)
@pytest.mark.parametrize("fmt", ["json", "xml"])
def test_every_read_endpoint_shows_the_same_public_fields_to_everyone(client, world, who, fmt):
    user = _persona(world, who)
    if user is not None:
        client.force_login(user)
    code = world.case_a.tracking_code
    for path in (
        f"discovery.{fmt}",
        f"services.{fmt}",
        f"services/CINAR-001.{fmt}",
        f"requests.{fmt}",
        f"requests/{code}.{fmt}",
        f"tokens/{code}.{fmt}",
        f"servicerequestupdates.{fmt}",
    ):
        response = client.get(BASE + path)
        assert response.status_code == 200, path
        assert_no_personal_data(world, response)
        if fmt == "xml":
            xml(response)


@pytest.mark.parametrize("who", PERSONAS)
def test_a_session_is_no_api_key(client, world, who):
    user = _persona(world, who)
    if user is not None:
        client.force_login(user)
    before = Case.objects.count()
    response = post_request(client, world, api_key=None)
    assert response.status_code == 400
    assert Case.objects.count() == before


def test_posted_personal_data_never_comes_back(client, world):
    response = post_request(client, world)
    code = js(response)[0]["service_request_id"]
    for path in (f"requests/{code}.json", f"requests/{code}.xml", "requests.json"):
        body = client.get(BASE + path).content.decode()
        for value in ("mobil@example.test", "+905551112233", "Kullanıcı", "device-1"):
            assert value not in body


def test_updated_datetime_is_the_newest_public_update(client, world):
    """A request's ``updated_datetime`` is when it last changed as its
    servicerequestupdates show it, not when it was received: a client polling for
    changes sees a step, a message or a document request (spec: "last modified")."""
    case = world.case_a
    received = timezone.now() - dt.timedelta(days=2)
    Case.objects.filter(pk=case.pk).update(received_at=received)
    case.refresh_from_db()
    message = case_message_post(actor=world.citizen_a, case=case, text="Fotoğraf ekledim.")
    code = case.tracking_code

    def moments(rows):
        return [dt.datetime.fromisoformat(row["updated_datetime"]) for row in rows]

    one = js(client.get(f"{BASE}requests/{code}.json"))[0]
    listed = js(client.get(f"{BASE}requests.json", {"service_request_id": code}))[0]
    in_window = js(client.get(f"{BASE}requests.json"))
    updates = js(client.get(f"{BASE}servicerequestupdates.json", {"service_request_id": code}))
    newest = max(moments(updates))
    assert moments([one]) == moments([listed]) == [newest]
    assert [r["updated_datetime"] for r in in_window if r["service_request_id"] == code] == [
        one["updated_datetime"]
    ]
    assert abs(newest - message.created_at) < dt.timedelta(seconds=1)
    assert newest > received + dt.timedelta(days=1)
    root = xml(client.get(f"{BASE}requests/{code}.xml"))
    assert dt.datetime.fromisoformat(root.find("request/updated_datetime").text) == newest
    # Another request keeps its own time.
    other = js(client.get(f"{BASE}requests/{world.case_b.tracking_code}.json"))[0]
    assert dt.datetime.fromisoformat(other["updated_datetime"]) < newest

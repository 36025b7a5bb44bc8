"""REST API v1: catalog reads, a citizen's own applications, personal tokens, schema.
Every endpoint has its authorization matrix; denied calls change nothing."""

from __future__ import annotations

import datetime as dt
from io import StringIO

import pytest
from django.core.cache import cache
from django.core.management import call_command
from django.utils import timezone
from rest_framework.throttling import ScopedRateThrottle

from cinar.api.models import PersonalToken, hash_token
from cinar.cases.actions import case_message_post
from cinar.cases.models import Case
from cinar.cases.tests.conftest import PDF, PNG, upload
from cinar.cases.tests.world import english_step_deploy
from cinar.identity.tests.factories import DEFAULT_PASSWORD

pytestmark = pytest.mark.django_db

V1 = "/api/v1/"


@pytest.fixture(autouse=True)
def _fresh_cache():
    cache.clear()  # throttle counters
    yield
    cache.clear()


def as_user(client, user):
    if user is not None:
        client.force_login(user)
    return client


def persona(world, name):
    return {
        "anonymous": None,
        "citizen_a": world.citizen_a,
        "citizen_b": world.citizen_b,
        "staff": world.org.staff_member,
        "manager": world.org.manager,
    }[name]


PERSONAS = ["anonymous", "citizen_a", "citizen_b", "staff", "manager"]


# --- catalog ------------------------------------------------------------------------------


@pytest.mark.parametrize("who", PERSONAS)
def test_services_are_public_reads(client, world, who):
    as_user(client, persona(world, who))
    response = client.get(f"{V1}services/")
    assert response.status_code == 200
    codes = [s["code"] for s in response.json()["results"]]
    assert "CINAR-001" in codes
    assert "BIM-001" not in codes
    detail = client.get(f"{V1}services/CINAR-001/")
    assert detail.status_code == 200
    body = detail.json()
    assert [a["code"] for a in body["attributes"]] == ["kategori", "zaman", "adet"]
    assert body["attributes"][0]["values"][0]["key"] == "temizlik"
    assert client.get(f"{V1}services/BIM-001/").status_code == 404
    assert client.get(f"{V1}services/NOPE-1/").status_code == 404


def test_services_search_and_channel(client, world):
    codes = [
        s["code"] for s in client.get(f"{V1}services/", {"channel": "mobile"}).json()["results"]
    ]
    assert codes == ["CINAR-001"]


# --- own cases ----------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("who", "expected"),
    [
        ("anonymous", None),
        ("citizen_a", "a"),
        ("citizen_b", "b"),
        ("staff", ""),
        ("manager", ""),
    ],
)
def test_case_list_shows_only_own_cases(client, world, who, expected):
    as_user(client, persona(world, who))
    response = client.get(f"{V1}cases/")
    if expected is None:
        assert response.status_code == 401
        return
    assert response.status_code == 200
    codes = [c["tracking_code"] for c in response.json()["results"]]
    wanted = {"a": [world.case_a.tracking_code], "b": [world.case_b.tracking_code], "": []}
    assert codes == wanted[expected]


@pytest.mark.parametrize(
    ("who", "status"),
    [("anonymous", 401), ("citizen_a", 200), ("citizen_b", 404), ("staff", 404), ("manager", 404)],
)
def test_case_detail_and_timeline_only_for_the_applicant(client, world, who, status):
    as_user(client, persona(world, who))
    code = world.case_a.tracking_code
    response = client.get(f"{V1}cases/{code}/")
    assert response.status_code == status
    timeline = client.get(f"{V1}cases/{code}/timeline/")
    assert timeline.status_code == status
    if status == 200:
        assert response.json()["tracking_code"] == code
        assert response.json()["form_data"] == {"kategori": "temizlik"}
        assert timeline.json()[0]["kind"] == "received"
        # The display form with dashes works too.
        assert client.get(f"{V1}cases/{world.case_a.tracking_code_display}/").status_code == 200


def test_updated_at_is_when_the_application_last_changed(client, world):
    """``updated_at`` is the newest entry of the application's timeline, in the list and
    the detail alike, so an app polling "my applications" sees which one moved."""
    case = world.case_a
    received = timezone.now() - dt.timedelta(days=2)
    Case.objects.filter(pk=case.pk).update(received_at=received)
    case.refresh_from_db()
    case_message_post(actor=world.citizen_a, case=case, text="Fotoğraf ekledim.")
    as_user(client, world.citizen_a)
    code = case.tracking_code
    timeline = client.get(f"{V1}cases/{code}/timeline/").json()
    newest = max(dt.datetime.fromisoformat(entry["at"]) for entry in timeline)
    detail = client.get(f"{V1}cases/{code}/").json()
    listed = [c for c in client.get(f"{V1}cases/").json()["results"] if c["tracking_code"] == code]
    for body in (detail, *listed):
        assert dt.datetime.fromisoformat(body["updated_at"]) == newest
    assert len(listed) == 1
    assert newest > received + dt.timedelta(days=1)
    created = submit(client, key="idem-updated")
    assert created.status_code == 201, created.content
    body = created.json()
    assert dt.datetime.fromisoformat(body["updated_at"]) >= dt.datetime.fromisoformat(
        body["received_at"]
    )


def test_the_current_step_reads_in_the_requests_language(client, world):
    """As on the portal: a step's English name where its process writes one."""
    english_step_deploy(world)
    as_user(client, world.citizen_a)
    url = f"{V1}cases/{world.case_a.tracking_code}/"
    assert client.get(url, HTTP_ACCEPT_LANGUAGE="en").json()["current_step"] == "Review"
    assert client.get(url, HTTP_ACCEPT_LANGUAGE="tr").json()["current_step"] == "İnceleme"


def test_guessed_tracking_codes_are_404(client, world):
    as_user(client, world.citizen_b)
    for guess in ("ABCDEFGHJKL", world.case_a.tracking_code.lower(), "x" * 40):
        assert client.get(f"{V1}cases/{guess}/").status_code == 404


def submit(client, data=None, key="idem-1", **headers):
    payload = {
        "service_code": "CINAR-001",
        "description": "Kaldırım kırık",
        "form_data": {"kategori": "temizlik", "zaman": ["sabah"]},
        "latitude": "39.9",
        "longitude": "32.8",
        "address": "Ulus",
    }
    if data:
        payload.update(data)
    if key:
        headers["HTTP_IDEMPOTENCY_KEY"] = key
    return client.post(f"{V1}cases/", payload, content_type="application/json", **headers)


def test_citizen_submits_a_case_idempotently(client, world):
    as_user(client, world.citizen_a)
    before = Case.objects.count()
    first = submit(client)
    assert first.status_code == 201, first.content
    body = first.json()
    case = Case.objects.get(tracking_code=body["tracking_code"])
    assert case.applicant == world.citizen_a
    assert case.channel == "mobile"
    assert case.form_data["zaman"] == ["sabah"]
    again = submit(client)
    assert again.status_code == 201
    assert again.json()["tracking_code"] == body["tracking_code"]
    assert Case.objects.count() == before + 1


def test_submit_needs_an_idempotency_key(client, world):
    as_user(client, world.citizen_a)
    before = Case.objects.count()
    response = submit(client, key="")
    assert response.status_code == 400
    assert "Idempotency-Key" in response.json()
    assert Case.objects.count() == before


@pytest.mark.parametrize(
    ("data", "field"),
    [
        ({"service_code": "BIM-001"}, "service"),
        ({"service_code": "DESK-001"}, "channel"),
        ({"form_data": {}}, "kategori"),
        ({"latitude": "120"}, "latitude"),
        ({"longitude": None}, "longitude"),
    ],
)
def test_submit_bad_input_names_the_field_and_changes_nothing(client, world, data, field):
    as_user(client, world.citizen_a)
    before = Case.objects.count()
    response = submit(client, data)
    assert response.status_code == 400, response.content
    assert field in response.content.decode()
    assert Case.objects.count() == before


def submit_multipart(client, files, form_data='{"kategori": "temizlik"}', key="idem-m"):
    payload = {"service_code": "CINAR-001", "description": "Foto ekte", "form_data": form_data}
    if files:
        payload["attachments"] = files
    return client.post(f"{V1}cases/", payload, HTTP_IDEMPOTENCY_KEY=key)


def test_citizen_submits_with_attachments_as_multipart(client, world):
    as_user(client, world.citizen_a)
    response = submit_multipart(client, [upload("dilekce.pdf", PDF), upload("foto.png", PNG)])
    assert response.status_code == 201, response.content
    case = Case.objects.get(tracking_code=response.json()["tracking_code"])
    assert case.applicant == world.citizen_a
    assert case.form_data["kategori"] == "temizlik"
    assert sorted(a.name for a in case.attachments.all()) == ["dilekce.pdf", "foto.png"]


@pytest.mark.parametrize(
    ("files", "form_data", "field"),
    [
        # a script renamed to .pdf is refused by content, not by name
        (
            lambda: [upload("dilekce.pdf", b"#!/bin/sh\nrm -rf /\n")],
            '{"kategori": "temizlik"}',
            "attachments",
        ),
        (lambda: [upload("dilekce.pdf", PDF)], "{not json", "form_data"),
        (lambda: [upload("dilekce.pdf", PDF)], '["a list"]', "form_data"),
    ],
)
def test_multipart_bad_input_names_the_field_and_changes_nothing(
    client, world, files, form_data, field
):
    as_user(client, world.citizen_a)
    before = Case.objects.count()
    response = submit_multipart(client, files(), form_data=form_data)
    assert response.status_code == 400, response.content
    assert field in response.json()
    assert Case.objects.count() == before


def test_anonymous_cannot_submit(client, world):
    before = Case.objects.count()
    assert submit(client).status_code == 401
    assert Case.objects.count() == before


# --- tokens -------------------------------------------------------------------------------


def create_token(client, user, password=DEFAULT_PASSWORD):
    return client.post(
        f"{V1}auth/token/",
        {"username": user.username, "password": password, "name": "telefon"},
        content_type="application/json",
    )


def test_citizen_creates_and_uses_a_token(client, world):
    response = create_token(client, world.citizen_a)
    assert response.status_code == 201, response.content
    raw = response.json()["token"]
    token = PersonalToken.objects.get(user=world.citizen_a)
    assert token.token_hash == hash_token(raw)
    assert raw not in token.token_hash
    auth = {"HTTP_AUTHORIZATION": f"Token {raw}"}
    listing = client.get(f"{V1}cases/", **auth)
    assert [c["tracking_code"] for c in listing.json()["results"]] == [world.case_a.tracking_code]
    assert client.get(f"{V1}cases/{world.case_b.tracking_code}/", **auth).status_code == 404
    created = submit(client, key="tok-1", **auth)
    assert created.status_code == 201
    revoke = client.delete(f"{V1}auth/token/revoke/", **auth)
    assert revoke.status_code == 204
    assert not PersonalToken.objects.filter(pk=token.pk).exists()
    assert client.get(f"{V1}cases/", **auth).status_code == 401


def test_invalid_token_is_401(client, world):
    response = client.get(f"{V1}cases/", HTTP_AUTHORIZATION="Token nope")
    assert response.status_code == 401


def test_wrong_password_is_refused_and_locks_out(client, world):
    for _attempt in range(5):
        assert create_token(client, world.citizen_a, password="wrong").status_code in {401, 429}
    locked = create_token(client, world.citizen_a)
    assert locked.status_code == 429
    assert not PersonalToken.objects.exists()


@pytest.mark.parametrize("who", ["staff", "manager"])
def test_staff_get_no_tokens(client, world, who):
    response = create_token(client, persona(world, who))
    assert response.status_code == 403
    assert not PersonalToken.objects.exists()


def test_token_revoke_needs_a_token(client, world):
    assert client.delete(f"{V1}auth/token/revoke/").status_code == 401
    as_user(client, world.citizen_a)
    assert client.delete(f"{V1}auth/token/revoke/").status_code == 400


def test_reads_are_throttled(client, world, monkeypatch):
    monkeypatch.setattr(
        ScopedRateThrottle,
        "THROTTLE_RATES",
        {**ScopedRateThrottle.THROTTLE_RATES, "api_read": "2/min"},
    )
    statuses = [client.get(f"{V1}services/").status_code for _ in range(3)]
    assert statuses == [200, 200, 429]


# --- schema and docs ----------------------------------------------------------------------


def test_schema_validates_without_warnings(db):
    out = StringIO()
    call_command("spectacular", "--validate", "--fail-on-warn", stdout=out)
    schema = out.getvalue()
    assert "/api/v1/cases/{tracking_code}/:" in schema
    assert "/open311/v2/requests.{format}:" in schema


def test_schema_and_docs_are_served_locally(client, db):
    schema = client.get("/api/schema/")
    assert schema.status_code == 200
    assert b"openapi: 3" in schema.content
    docs = client.get("/api/docs/")
    assert docs.status_code == 200
    html = docs.content.decode()
    assert "/static/drf_spectacular_sidecar/swagger-ui-dist/" in html
    assert "cdn" not in html.lower()
    assert client.get("/api/redoc/").status_code == 200

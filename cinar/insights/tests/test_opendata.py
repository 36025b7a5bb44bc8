"""The public open-data page: no login, anonymized monthly figures per public service,
small counts suppressed, CSV/XLSX/JSON downloads."""

import csv
import datetime as dt
import io
import json

import pytest
from django.urls import reverse
from django.utils import timezone
from openpyxl import load_workbook

from cinar.cases.models import Case
from cinar.cases.tests.conftest import login
from cinar.catalog.models import Service
from cinar.insights.load import load_generate
from cinar.insights.models import DailyServiceStats
from cinar.insights.opendata import SUPPRESSED, open_data_rows
from cinar.insights.rollups import local_day, rollups_update

URL = "/acik-veri/"


@pytest.fixture
def loaded(world):
    load_generate(cases=90, seed=31, days=40)
    rollups_update()
    return world


def _expected(year):
    """(month, received, closed) per month of the year, counted case by case."""
    out: dict[str, list[int]] = {}
    for c in Case.objects.all():
        for i, moment in ((0, c.received_at), (1, c.closed_at)):
            if moment is not None and local_day(moment).year == year:
                key = local_day(moment).strftime("%Y-%m")
                out.setdefault(key, [0, 0])[i] += 1
    return out


def test_url_and_anyone_may_read_it(client, loaded):
    assert reverse("opendata:home") == URL
    for user in (None, loaded.a, loaded.staff, loaded.admin):
        client.logout()
        if user is not None:
            login(client, user)
        r = client.get(URL)
        assert r.status_code == 200
        assert "Test başvurusu" in r.content.decode()
    # Linked from the footer of every page.
    assert f'href="{URL}"' in client.get("/").content.decode()


def test_figures_match_the_cases_and_small_counts_are_suppressed(loaded):
    year = timezone.localdate().year
    rows = open_data_rows(year=year)
    expected = _expected(year)
    assert rows
    for r in rows:
        received, closed = expected.get(r.month.strftime("%Y-%m"), [0, 0])
        assert (r.received, r.closed) == (received, closed)
        assert r.received_public == (received if received >= 5 else SUPPRESSED)
        assert r.closed_public == (closed if closed >= 5 else SUPPRESSED)
        if closed < 5:
            assert r.in_time_share is None and r.median_days is None


def test_a_month_with_few_applications_shows_less_than_five(loaded):
    service = loaded.service
    day = timezone.localdate().replace(day=1) - dt.timedelta(days=400)
    DailyServiceStats.objects.create(
        day=day,
        service=service,
        unit=loaded.fen,
        channel="web",
        received=3,
        closed=2,
        closed_in_time=2,
        d0=2,
    )
    row = next(r for r in open_data_rows(year=day.year) if r.month == day.replace(day=1))
    assert row.as_dict() == {
        "month": day.strftime("%Y-%m"),
        "service_code": "TST-001",
        "service": "Test başvurusu",
        "received": "<5",
        "closed": "<5",
        "closed_within_legal_duration_percent": None,
        "median_days": None,
    }


def test_internal_services_are_not_published(loaded):
    Service.objects.filter(pk=loaded.service.pk).update(visibility="internal")
    assert open_data_rows(year=timezone.localdate().year) == []


def test_downloads_carry_no_personal_data(client, loaded):
    year = timezone.localdate().year
    r = client.get(URL + f"?year={year}&format=json")
    assert r.status_code == 200 and r["Content-Type"] == "application/json"
    data = json.loads(r.content)
    assert data["year"] == year and data["suppressed_below"] == 5
    assert data["rows"] and set(data["rows"][0]) == {
        "month",
        "service_code",
        "service",
        "received",
        "closed",
        "closed_within_legal_duration_percent",
        "median_days",
    }
    text = r.content.decode()
    for c in Case.objects.select_related("applicant")[:20]:
        assert c.tracking_code not in text
        if c.applicant_id:
            assert c.applicant.username not in text
    r = client.get(URL + f"?year={year}&format=csv")
    rows = list(csv.reader(io.StringIO(r.content.decode("utf-8-sig"))))
    assert rows[0][:3] == ["Month", "Service code", "Service"]
    assert len(rows) == len(data["rows"]) + 1
    assert rows[1][2] == "Test başvurusu"
    r = client.get(URL + f"?year={year}&format=xlsx")
    sheet = load_workbook(io.BytesIO(r.content)).active
    assert sheet.max_row == len(data["rows"]) + 1


def test_bad_year_and_format(client, loaded):
    r = client.get(URL + "?year=1800")
    assert r.status_code == 400 and "no published figures for the year 1800" in r.content.decode()
    r = client.get(URL + "?year=abc")
    assert r.status_code == 400
    assert client.get(URL + "?format=pdf").status_code == 404
    assert client.post(URL).status_code == 405

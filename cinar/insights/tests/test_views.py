"""Insights pages: the authorization matrix of every endpoint, drill-down links that
lead to exactly the cases behind each figure, the heat map page, and the downloads."""

import csv
import io
import re
from html import unescape

import pytest
from django.urls import reverse
from openpyxl import load_workbook

from cinar.cases.models import Case
from cinar.cases.tests.conftest import login
from cinar.identity.tests.factories import StaffFactory
from cinar.insights import tables
from cinar.insights.load import load_generate
from cinar.insights.rollups import rollups_update
from cinar.organization.models import Unit

P = "start=2000-01-01"

PAGES = [
    ("insights:home", []),
    ("insights:processes", []),
    ("insights:workload", []),
    ("insights:ratings", []),
    ("insights:cases", []),
    ("insights:export", ["services"]),
    ("insights:export_xlsx", ["staff"]),
]


def _url(name, args=(), query=P):
    return reverse(name, args=args) + "?" + query


@pytest.fixture
def loaded(world):
    load_generate(cases=120, seed=21, days=90)
    rollups_update()
    # The director of another unit (Kültür), who must see nothing of Fen İşleri.
    world.other_director = StaffFactory(username="kultur_mudur")
    Unit.objects.filter(pk=world.other.pk).update(manager=world.other_director)
    world.nobody = StaffFactory(username="birimsiz")  # staff, no unit, no permission
    return world


@pytest.mark.parametrize("name, args", PAGES)
def test_anonymous_goes_to_login_citizen_is_forbidden(client, loaded, name, args):
    r = client.get(_url(name, args))
    assert r.status_code == 302 and "/accounts/" in r["Location"]
    login(client, loaded.a)
    assert client.get(_url(name, args)).status_code == 403


@pytest.mark.parametrize("name, args", PAGES)
def test_director_of_another_unit_sees_nothing_of_this_one(client, loaded, name, args):
    w = loaded
    for user in (w.other_director, w.other_staff, w.nobody):
        client.logout()
        login(client, user)
        assert client.get(_url(name, args, f"{P}&unit={w.fen.pk}")).status_code == 404
        r = client.get(_url(name, args))
        assert r.status_code == 200
        if name == "insights:home":
            assert r.context["board"].received == 0
            assert r.context["board"].open_overdue == 0
        if name == "insights:cases":
            assert r.context["page"].paginator.count == 0
        if name == "insights:workload":
            assert all(not t.rows for t in r.context["tables"])
        if name == "insights:export":
            assert r.content.decode("utf-8-sig").strip().count("\n") == 0  # header only


@pytest.mark.parametrize("name, args", PAGES)
def test_director_and_admin_see_their_scope(client, loaded, name, args):
    w = loaded
    total = Case.objects.count()
    for user in (w.manager, w.admin):
        client.logout()
        login(client, user)
        r = client.get(_url(name, args, f"{P}&unit={w.fen.pk}"))
        assert r.status_code == 200, (user, name)
        if name == "insights:home":
            assert r.context["board"].received == total
        if name == "insights:cases":
            assert r.context["page"].paginator.count == total
    # Staff of a unit below Fen İşleri: their own subtree only, not its parent.
    client.logout()
    login(client, w.sub_staff)
    assert client.get(_url(name, args, f"{P}&unit={w.fen.pk}")).status_code == 404
    assert client.get(_url(name, args, f"{P}&unit={w.sub.pk}")).status_code == 200


def _links(html: str) -> list[tuple[str, str]]:
    """(href, text) of every drill-down link in the page."""
    found = re.findall(r'<a href="(/staff/insights/cases/\?[^"]+)">([^<]*)</a>', html)
    return [(unescape(href), text.strip()) for href, text in found]


@pytest.mark.parametrize("page", ["insights:home", "insights:workload", "insights:ratings"])
def test_every_count_drills_down_to_exactly_its_cases(client, loaded, page):
    login(client, loaded.admin)
    r = client.get(_url(page))
    links = _links(r.content.decode())
    counted = [(href, int(text)) for href, text in links if text.isdigit()]
    assert counted, "no drill-down links"
    for href, n in counted:
        if "kind=staff" in href or "kind=step" in href:
            continue  # work items, several per case: checked on the heat map test
        got = client.get(href).context["page"].paginator.count
        assert got == n, href


def test_drilldown_bad_input(client, loaded):
    login(client, loaded.admin)
    assert client.get(_url("insights:cases", query=f"{P}&kind=nope")).status_code == 404
    assert client.get(_url("insights:cases", query=f"{P}&format=pdf")).status_code == 404
    r = client.get(_url("insights:cases", query="start=2026-02-01&end=2026-01-01"))
    assert r.status_code == 200 and "end date must not be before" in r.content.decode()
    r = client.get(_url("insights:cases", query=f"{P}&service=abc&in_unit=x&page=zz"))
    assert r.status_code == 200
    assert client.get(_url("insights:export", ["nope"])).status_code == 404


def test_heat_map_page_and_its_slowest_step(client, loaded):
    login(client, loaded.manager)
    r = client.get(_url("insights:processes"))
    assert r.status_code == 200
    chosen = r.context["chosen"]
    assert chosen is not None and chosen.key == "tst_case"
    assert r.context["diagram_url"].endswith("/xml/") or "tst_case" in r.context["diagram_url"]
    diagram = r.context["diagram"]
    assert set(diagram) >= {"incele"}
    slowest = r.context["slowest"]
    waits = [d["wait"] for d in diagram.values() if d["wait"] is not None]
    assert slowest["wait"] == max(waits)
    assert [d["slowest"] for d in diagram.values()].count(True) == 1
    assert slowest["name"] in r.content.decode()
    assert slowest["badge"].startswith("⌀ ") and slowest["name"] in slowest["badge_label"]
    # The overdue link of the slowest step lists the cases late there, and only those.
    r = client.get(slowest["overdue_href"])
    assert r.status_code == 200 and r.context["step_toggle"]
    assert r.context["page"].paginator.count <= Case.objects.count()
    # Unknown process: a clear message, not a 500.
    r = client.get(_url("insights:processes", query=f"{P}&process=nope"))
    assert r.status_code == 400 and "No steps of this process" in r.content.decode()
    # The heat table exports with the process.
    r = client.get(_url("insights:export", ["heat"], f"{P}&process=tst_case"))
    rows = list(csv.reader(io.StringIO(r.content.decode("utf-8-sig"))))
    assert rows[0][0] == "Step" and len(rows) == len(diagram) + 1
    assert client.get(_url("insights:export", ["heat"], f"{P}&process=nope")).status_code == 404


def test_xlsx_export_has_numbers_and_the_page_rows(client, loaded):
    login(client, loaded.admin)
    r = client.get(_url("insights:export_xlsx", ["services"]))
    assert r["Content-Type"].startswith("application/vnd.openxmlformats")
    sheet = load_workbook(io.BytesIO(r.content)).active
    rows = [[c.value for c in row] for row in sheet.iter_rows()]
    assert rows[0][:3] == ["Service", "Received", "Closed"]
    assert rows[1][0] == loaded.service.name == "Test başvurusu"
    assert rows[1][1] == Case.objects.count() and isinstance(rows[1][1], int)
    for table in ("channels", "trend", "units", "staff", "ratings", "steps"):
        r = client.get(_url("insights:export_xlsx", [table]))
        assert r.status_code == 200, table
        assert load_workbook(io.BytesIO(r.content)).active.max_row >= 1


def test_case_list_exports(client, loaded):
    login(client, loaded.manager)
    closed = Case.objects.filter(closed_at__isnull=False).count()
    base = _url("insights:cases", query=f"{P}&kind=closed")
    r = client.get(base + "&format=xlsx")
    sheet = load_workbook(io.BytesIO(r.content)).active
    assert sheet.max_row == closed + 1
    assert sheet["A1"].value == "Tracking code" and sheet["A2"].value.startswith("Z")
    r = client.get(base + "&format=csv")
    assert len(r.content.decode("utf-8-sig").strip().splitlines()) == closed + 1


def test_heat_colours_go_from_green_to_red():
    assert tables.heat_colour(0) == "#e8f5e9"
    assert tables.heat_colour(1) == "#d63a2b"
    assert tables.heat_colour(5) == "#d63a2b" and tables.heat_colour(-1) == "#e8f5e9"
    assert tables.heat_colour(0.5) not in ("#e8f5e9", "#d63a2b")


def test_pages_query_count_does_not_grow_with_data(client, world, django_assert_max_num_queries):
    login(client, world.admin)
    load_generate(cases=10, seed=1, days=30)
    rollups_update()
    counts = {}
    for name in ("insights:home", "insights:workload", "insights:processes"):
        with django_assert_max_num_queries(40) as q:
            assert client.get(_url(name)).status_code == 200
        counts[name] = len(q.captured_queries)
    load_generate(cases=200, seed=2, days=30)
    rollups_update()
    for name, n in counts.items():
        with django_assert_max_num_queries(n):
            client.get(_url(name))


def test_xlsx_refuses_a_drilldown_too_large_and_points_to_csv(client, loaded, monkeypatch):
    monkeypatch.setattr("cinar.insights.views.XLSX_MAX_ROWS", 5)
    login(client, loaded.admin)
    base = _url("insights:cases", query=f"{P}&kind=received")
    r = client.get(base + "&format=xlsx")
    assert r.status_code == 400 and "Download CSV instead" in r.content.decode()
    monkeypatch.setattr("cinar.insights.views.STREAM_ABOVE", 5)
    r = client.get(base + "&format=csv")
    assert r.streaming
    lines = b"".join(r.streaming_content).decode("utf-8-sig").strip().splitlines()
    assert len(lines) == Case.objects.count() + 1

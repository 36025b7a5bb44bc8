"""Inbox, work item and instance screens: authorization matrix for every page and POST
(a denied POST changes nothing), the step form built from camunda:formData, return and
reassign, the instance diagram state and history, and inbox query counts.

The process (views_bpmn/permit_review.bpmn): "Register the application" goes to
``memur`` (the staff persona, Yazılım), then a parallel split puts "Technical opinion"
and "Legal opinion" in the Yazılım queue. ``manager`` manages Bilgi İşlem (Yazılım's
parent); ``admin`` holds the workflow permissions municipality-wide; ``other`` (Destek)
is not involved."""

# Fixtures are imported from other test modules (this app's conftest is not ours to edit).
# ruff: noqa: F811
from __future__ import annotations

import json

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from cinar.organization.tests.conftest import org  # noqa: F401  (fixture)
from cinar.workflow import actions, views
from cinar.workflow.models import ProcessEvent, WorkItem, WorkItemStatus
from cinar.workflow.tests.test_views import (  # noqa: F401  (fixtures)
    PERSONAS,
    _client,
    _status,
    permit_xml,
    version,
    wf,
)

VALID_STEP = {
    "step-applicant": "Ayşe Demir",
    "step-area": "120",
    "step-urgent": "on",
    "step-inspection_date": "2030-01-15",
    "step-zone": "commercial",
}


@pytest.fixture
def instance(wf, version):
    return actions.process_instance_start(
        actor=wf.admin, version=version, data={}, business_key="2026/42"
    )


@pytest.fixture
def intake(instance):
    return instance.work_items.get(element_id="intake")


@pytest.fixture
def queued(wf, intake):
    """Intake done by memur: both opinions wait in the Yazılım queue."""
    actions.work_item_complete(
        actor=wf.staff_member,
        work_item=intake,
        data={"applicant": "Ayşe Demir", "zone": "residential"},
    )
    return intake.instance.work_items.get(element_id="tech")


@pytest.fixture
def claimed(wf, queued):
    return actions.work_item_claim(actor=wf.staff_member, work_item=queued)


def _snapshot():
    return (
        list(
            WorkItem.objects.order_by("pk").values_list(
                "pk", "status", "assignee_id", "candidate_unit_id", "form_data"
            )
        ),
        ProcessEvent.objects.count(),
    )


# --- GET matrix ----------------------------------------------------------------------------------

GET_MATRIX = [
    ("inbox", lambda i, q: reverse("workflow:inbox"), ["login", 403, 200, 200, 200, 200]),
    (
        "intake",
        lambda i, q: reverse("workflow:item_detail", args=[i.pk]),
        ["login", 403, 200, 404, 200, 200],
    ),
    (
        "queued",
        lambda i, q: reverse("workflow:item_detail", args=[q.pk]),
        ["login", 403, 200, 404, 200, 200],
    ),
    (
        "instance",
        lambda i, q: reverse("workflow:instance_detail", args=[i.instance_id]),
        ["login", 403, 200, 404, 200, 200],
    ),
    (
        "instance_xml",
        lambda i, q: reverse("workflow:instance_xml", args=[i.instance_id]),
        ["login", 403, 200, 404, 200, 200],
    ),
]


@pytest.mark.parametrize("name,url,expected", GET_MATRIX)
@pytest.mark.parametrize("index,persona", list(enumerate(PERSONAS)))
def test_work_get_matrix(client, wf, intake, name, url, expected, index, persona):
    queue_item = None
    if name == "queued":
        actions.work_item_complete(actor=wf.staff_member, work_item=intake, data={"applicant": "x"})
        queue_item = intake.instance.work_items.get(element_id="tech")
    response = _client(client, wf, persona).get(url(intake, queue_item))
    assert _status(response) == expected[index]


def test_unknown_item_and_instance_are_404(client, wf):
    client.force_login(wf.admin)
    assert client.get(reverse("workflow:item_detail", args=[999])).status_code == 404
    assert client.get(reverse("workflow:instance_detail", args=[999])).status_code == 404


# --- POST matrix ---------------------------------------------------------------------------------


def _post(client, name, item, data=None):
    return client.post(reverse(f"workflow:{name}", args=[item.pk]), data or {})


POST_MATRIX = [
    # (case, fixture giving the item, url name, data, expected per persona)
    ("complete-own", "intake", "item_detail", VALID_STEP, ["login", 403, 302, 404, 403, 403]),
    ("complete-queue", "queued", "item_detail", {}, ["login", 403, 302, 404, 403, 403]),
    ("claim", "queued", "item_claim", {}, ["login", 403, 302, 404, 302, 302]),
    ("release", "claimed", "item_release", {}, ["login", 403, 302, 404, 302, 302]),
    (
        "return",
        "claimed",
        "item_return",
        {"return-reason": "Missing signature"},
        ["login", 403, 302, 404, 302, 302],
    ),
    ("reassign", "queued", "item_reassign", None, ["login", 403, 403, 404, 302, 302]),
]


@pytest.mark.parametrize("case,fixture,name,data,expected", POST_MATRIX)
@pytest.mark.parametrize("index,persona", list(enumerate(PERSONAS)))
def test_work_post_matrix(client, wf, request, case, fixture, name, data, expected, index, persona):
    item = request.getfixturevalue(fixture)
    if data is None:
        data = {"reassign-to_user": wf.other_staff.pk, "reassign-reason": "Workload"}
    before = _snapshot()
    response = _post(_client(client, wf, persona), name, item, data)
    want = expected[index]
    assert _status(response) == want
    if want in ("login", 403, 404):
        assert _snapshot() == before
    else:
        assert _snapshot() != before


# --- the step form -------------------------------------------------------------------------------


def test_step_form_renders_typed_fields(client, wf, intake):
    client.force_login(wf.staff_member)
    response = client.get(reverse("workflow:item_detail", args=[intake.pk]))
    body = response.content.decode()
    assert 'name="step-applicant"' in body and "required" in body
    assert 'type="number" name="step-area"' in body
    assert 'type="checkbox" name="step-urgent"' in body
    assert 'type="date" name="step-inspection_date"' in body
    assert '<select name="step-zone"' in body
    assert '<option value="commercial">Commercial</option>' in body
    for label in ("Applicant", "Area (m2)", "Urgent", "Inspection date", "Zone"):
        assert f">{label}" in body
    assert reverse("workflow:instance_detail", args=[intake.instance_id]) in body


@pytest.mark.parametrize(
    "change,field,message",
    [
        ({"step-applicant": ""}, "applicant", "This field is required."),
        ({"step-area": "abc"}, "area", "Enter a whole number."),
        ({"step-inspection_date": "15.01.2030x"}, "inspection_date", "Enter a valid date."),
        ({"step-zone": "industrial"}, "zone", "Select a valid choice."),
    ],
)
def test_step_form_errors_next_to_fields(client, wf, intake, change, field, message):
    client.force_login(wf.staff_member)
    before = _snapshot()
    response = client.post(
        reverse("workflow:item_detail", args=[intake.pk]), {**VALID_STEP, **change}
    )
    assert response.status_code == 400
    body = response.content.decode()
    assert f'id="id_step-{field}_error" role="alert"' in body
    # The field points at its error message (Django sets aria-describedby / aria-invalid).
    assert f'aria-describedby="id_step-{field}_error"' in body
    assert message in body
    assert _snapshot() == before


def test_complete_stores_typed_data_and_redirects_to_inbox(client, wf, intake):
    client.force_login(wf.staff_member)
    response = client.post(reverse("workflow:item_detail", args=[intake.pk]), VALID_STEP)
    assert response.status_code == 302
    assert response["Location"] == reverse("workflow:inbox")
    intake.refresh_from_db()
    assert intake.status == WorkItemStatus.COMPLETED
    assert intake.completed_by == wf.staff_member
    assert intake.form_data == {
        "applicant": "Ayşe Demir",
        "area": 120,
        "urgent": True,
        "inspection_date": "2030-01-15",
        "zone": "commercial",
    }
    page = client.get(response["Location"]).content.decode()
    assert "is complete." in page


def test_completed_item_shows_no_form(client, wf, queued):
    client.force_login(wf.staff_member)
    intake = queued.instance.work_items.get(element_id="intake")
    body = client.get(reverse("workflow:item_detail", args=[intake.pk])).content.decode()
    assert 'name="step-applicant"' not in body
    assert "This work item is completed." in body


def test_return_requires_a_reason(client, wf, claimed):
    client.force_login(wf.staff_member)
    before = _snapshot()
    response = client.post(reverse("workflow:item_return", args=[claimed.pk]), {})
    assert response.status_code == 400
    assert 'id="id_return-reason_error"' in response.content.decode()
    assert _snapshot() == before


def test_return_records_the_reason(client, wf, claimed):
    client.force_login(wf.staff_member)
    response = client.post(
        reverse("workflow:item_return", args=[claimed.pk]), {"return-reason": "Missing map"}
    )
    assert response.status_code == 302
    assert ProcessEvent.objects.filter(kind="returned", data__reason="Missing map").exists()


def test_reassign_needs_one_target_and_a_reason(client, wf, queued):
    client.force_login(wf.manager)
    url = reverse("workflow:item_reassign", args=[queued.pk])
    before = _snapshot()
    response = client.post(url, {"reassign-reason": "x"})
    assert response.status_code == 400
    assert "Choose either a person or a unit." in response.content.decode()
    response = client.post(url, {"reassign-to_user": wf.other_staff.pk})
    assert response.status_code == 400
    assert 'id="id_reassign-reason_error"' in response.content.decode()
    assert _snapshot() == before


def test_reassign_to_a_unit(client, wf, queued):
    client.force_login(wf.manager)
    response = client.post(
        reverse("workflow:item_reassign", args=[queued.pk]),
        {"reassign-to_unit": wf.destek.pk, "reassign-reason": "Their field"},
    )
    assert response.status_code == 302
    queued.refresh_from_db()
    assert queued.candidate_unit == wf.destek and queued.assignee is None


def test_reassign_form_only_for_administrators(client, wf, queued):
    client.force_login(wf.staff_member)
    body = client.get(reverse("workflow:item_detail", args=[queued.pk])).content.decode()
    assert reverse("workflow:item_reassign", args=[queued.pk]) not in body
    client.force_login(wf.manager)
    body = client.get(reverse("workflow:item_detail", args=[queued.pk])).content.decode()
    assert reverse("workflow:item_reassign", args=[queued.pk]) in body


# --- instance page -------------------------------------------------------------------------------


def test_instance_page_shows_state_and_history(client, wf, queued):
    client.force_login(wf.staff_member)
    response = client.get(reverse("workflow:instance_detail", args=[queued.instance_id]))
    assert response.status_code == 200
    markers = response.context["markers"]
    assert "intake" in markers["completed"]
    assert set(markers["current"]) >= {"tech", "legal"}
    body = response.content.decode()
    assert 'id="instance-markers"' in body
    assert "2026/42" in body
    assert "Register the application" in body
    # History: who completed the intake.
    events = list(response.context["events"])
    done = [e for e in events if e.kind == "task_completed" and e.element_id == "intake"]
    assert done and done[0].actor == wf.staff_member
    assert wf.staff_member.get_full_name() in body


def test_instance_overdue_badge(client, wf, instance):
    import datetime as dt

    from django.utils import timezone

    type(instance).objects.filter(pk=instance.pk).update(
        due_at=timezone.now() - dt.timedelta(days=1)
    )
    client.force_login(wf.admin)
    body = client.get(reverse("workflow:instance_detail", args=[instance.pk])).content.decode()
    assert "overdue" in body


def test_instance_xml_is_the_version(client, wf, instance):
    client.force_login(wf.admin)
    response = client.get(reverse("workflow:instance_xml", args=[instance.pk]))
    assert response.content.decode() == instance.version.xml


# --- inbox ---------------------------------------------------------------------------------------


def test_inbox_tabs_and_counts(client, wf, intake):
    client.force_login(wf.staff_member)
    response = client.get(reverse("workflow:inbox"))
    tabs = {t["box"]: t["count"] for t in response.context["tabs"]}
    assert tabs == {"mine": 1, "unit": 0, "delegated": 0, "overdue": 0, "due_soon": 0}
    body = response.content.decode()
    assert "Register the application" in body
    assert reverse("workflow:item_detail", args=[intake.pk]) in body
    actions.work_item_complete(actor=wf.staff_member, work_item=intake, data={"applicant": "x"})
    response = client.get(reverse("workflow:inbox") + "?box=unit")
    tabs = {t["box"]: t["count"] for t in response.context["tabs"]}
    assert tabs["mine"] == 0 and tabs["unit"] == 2
    body = response.content.decode()
    assert "Technical opinion" in body and "Legal opinion" in body
    assert body.count(">Claim<") == 2


def test_inbox_managers_tab(client, wf, queued):
    client.force_login(wf.manager)
    response = client.get(reverse("workflow:inbox") + "?box=managed")
    tabs = {t["box"]: t["count"] for t in response.context["tabs"]}
    assert tabs["managed"] == 2
    assert response.context["current"] == "managed"
    client.force_login(wf.staff_member)
    response = client.get(reverse("workflow:inbox") + "?box=managed")
    assert "managed" not in {t["box"] for t in response.context["tabs"]}
    assert response.context["current"] == "mine"


def test_inbox_claim_from_the_queue(client, wf, queued):
    client.force_login(wf.staff_member)
    next_url = reverse("workflow:inbox") + "?box=unit"
    response = client.post(reverse("workflow:item_claim", args=[queued.pk]), {"next": next_url})
    assert response.status_code == 302 and response["Location"] == next_url
    queued.refresh_from_db()
    assert queued.assignee == wf.staff_member and queued.status == WorkItemStatus.CLAIMED


def test_claim_ignores_foreign_next(client, wf, queued):
    client.force_login(wf.staff_member)
    response = client.post(
        reverse("workflow:item_claim", args=[queued.pk]), {"next": "https://evil.example/"}
    )
    assert response["Location"] == reverse("workflow:item_detail", args=[queued.pk])


def test_claim_taken_item_shows_error(client, wf, claimed):
    client.force_login(wf.manager)
    response = client.post(reverse("workflow:item_claim", args=[claimed.pk]), follow=True)
    assert "already claimed" in response.content.decode()
    claimed.refresh_from_db()
    assert claimed.assignee == wf.staff_member


def _inbox_queries(client, box):
    with CaptureQueriesContext(connection) as ctx:
        response = client.get(reverse("workflow:inbox") + f"?box={box}")
    assert response.status_code == 200
    return len(ctx.captured_queries), len(response.context["items"])


@pytest.mark.parametrize("box", ["mine", "unit", "managed"])
def test_inbox_query_count_does_not_grow(client, wf, version, box):
    def start():
        instance = actions.process_instance_start(actor=wf.admin, version=version, data={})
        item = instance.work_items.get(element_id="intake")
        if box != "mine":
            actions.work_item_complete(
                actor=wf.staff_member, work_item=item, data={"applicant": "x"}
            )

    user = wf.manager if box == "managed" else wf.staff_member
    client.force_login(user)
    start()
    few, shown_few = _inbox_queries(client, box)
    for _ in range(4):
        start()
    many, shown_many = _inbox_queries(client, box)
    assert shown_many > shown_few > 0
    assert many == few
    assert many <= 15  # routing facts read once; every tab count in one aggregate query


def test_inbox_htmx_tab_switch_returns_the_page(client, wf, intake):
    client.force_login(wf.staff_member)
    response = client.get(
        reverse("workflow:inbox") + "?box=unit", HTTP_HX_REQUEST="true", HTTP_HX_TARGET="inbox"
    )
    assert response.status_code == 200
    assert 'id="inbox"' in response.content.decode()


def test_item_json_free_of_secrets(client, wf, intake):
    """The page embeds no engine state (only ids and names)."""
    client.force_login(wf.staff_member)
    body = client.get(reverse("workflow:instance_detail", args=[intake.instance_id])).content
    script = body.decode().split('id="instance-markers"')[1].split("</script>")[0]
    data = json.loads(script.split(">", 1)[1])
    assert set(data) == {"completed", "current", "pending", "error"}


def test_inbox_is_paginated_and_counts_every_item(client, wf, version):
    for _ in range(views.INBOX_PAGE_SIZE + 1):
        actions.process_instance_start(actor=wf.admin, version=version, data={})
    client.force_login(wf.staff_member)
    first = client.get(reverse("workflow:inbox") + "?box=mine")
    counts = {tab["box"]: tab["count"] for tab in first.context["tabs"]}
    second = client.get(reverse("workflow:inbox") + "?box=mine&page=2")
    assert counts["mine"] == views.INBOX_PAGE_SIZE + 1
    assert len(first.context["items"]) == views.INBOX_PAGE_SIZE
    assert len(second.context["items"]) == 1
    assert "?box=mine&amp;page=2" in first.content.decode()

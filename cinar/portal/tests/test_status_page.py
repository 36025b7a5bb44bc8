"""The citizen's status page (``portal:case_detail``): its history part is cached under
the case's change marker; any change to what it shows (a message, a step, a file, a
document request) gives a new marker and a fresh render. The forms around it are never
cached (each response has its own CSRF token)."""

from __future__ import annotations

import re

import pytest
from django.urls import reverse

from cinar.cases.actions import case_document_request, case_message_post
from cinar.cases.queries import case_change_marker
from cinar.portal.tests.conftest import officer, submit
from cinar.workflow.actions import work_item_claim, work_item_complete
from cinar.workflow.models import OPEN_WORK_ITEM_STATUSES, WorkItem

pytestmark = pytest.mark.django_db


def _page(client, case):
    response = client.get(reverse("portal:case_detail", args=[case.pk]))
    assert response.status_code == 200
    return response.content.decode()


def test_second_view_of_an_unchanged_case_skips_the_history_queries(
    client, people, django_assert_max_num_queries
):
    case = submit(people.a)
    client.force_login(people.a)
    first = _page(client, case)
    assert "dilekce.pdf" in first
    # session, user, the case with its change marker, the session save (BEGIN, UPDATE,
    # COMMIT): no timeline, diagram, message, document request or file query.
    with django_assert_max_num_queries(6) as captured:
        second = _page(client, case)
    sql = " ".join(q["sql"] for q in captured.captured_queries)
    assert '"cases_casemessage"."text"' not in sql
    assert '"workflow_workitem"' not in sql
    assert '"cases_casedocumentrequest"."what"' not in sql
    assert "dilekce.pdf" in second
    # The cached part is the same; only the CSRF tokens differ.
    strip = re.compile(r"\b[A-Za-z0-9]{64}\b")  # masked CSRF tokens (form fields, htmx)
    assert strip.sub("", first) == strip.sub("", second)


def test_each_change_gives_a_new_marker_and_shows_at_once(client, people):
    case = submit(people.a)
    client.force_login(people.a)
    seen = {case_change_marker(case=case)}
    _page(client, case)

    case_message_post(actor=people.admin, case=case, text="Ekip yarın gelecek.")
    seen.add(case_change_marker(case=case))
    assert "Ekip yarın gelecek." in _page(client, case)

    case_document_request(actor=people.admin, case=case, what="Tapu fotokopisi")
    case.refresh_from_db()
    seen.add(case_change_marker(case=case))
    assert "Tapu fotokopisi" in _page(client, case)

    item = WorkItem.objects.get(instance=case.process_instance, status__in=OPEN_WORK_ITEM_STATUSES)
    clerk = officer()
    item = work_item_claim(actor=clerk, work_item=item)
    work_item_complete(actor=clerk, work_item=item, data={"oncelik": "normal"})
    seen.add(case_change_marker(case=case))
    content = _page(client, case)
    assert "İlgili birime havale" in content or "havale" in content
    assert len(seen) == 4


def test_the_cache_is_per_case_and_language(client, people):
    mine = submit(people.a, description="Benim başvurum")
    client.force_login(people.a)
    _page(client, mine)
    theirs = submit(people.b)
    case_message_post(actor=people.admin, case=theirs, text="Sadece B görmeli")
    assert "Sadece B görmeli" not in _page(client, mine)
    client.force_login(people.b)
    assert "Sadece B görmeli" in _page(client, theirs)
    english = client.get(
        reverse("portal:case_detail", args=[theirs.pk]), HTTP_ACCEPT_LANGUAGE="en"
    ).content.decode()
    assert "No steps yet" not in english and "Sadece B görmeli" in english


# --- the whole-page cache (ADR 0035) -------------------------------------------------


def _token(html):
    return re.search(r'name="csrfmiddlewaretoken" value="([^"]+)"', html).group(1)


def test_a_cached_page_is_served_to_its_owner_only(client, people):
    case = submit(people.a, description="Yalnız A görür")
    client.force_login(people.a)
    assert "Yalnız A görür" not in _page(client, case)  # the description is not shown
    _page(client, case)  # now stored
    client.force_login(people.b)
    response = client.get(reverse("portal:case_detail", args=[case.pk]))
    assert response.status_code == 404
    client.logout()
    response = client.get(reverse("portal:case_detail", args=[case.pk]))
    assert response.status_code == 302  # to the login page


def test_a_cached_page_posts_with_its_own_csrf_token(people):
    from django.test import Client

    client = Client(enforce_csrf_checks=True)
    case = submit(people.a)
    client.force_login(people.a)
    first, second = _page(client, case), _page(client, case)
    assert _token(first) != _token(second)  # masked anew for each response
    assert "__" not in _token(second) and len(_token(second)) == 64
    response = client.post(
        reverse("portal:case_message", args=[case.pk]),
        {"text": "Önbellekten gelen sayfadan", "csrfmiddlewaretoken": _token(second)},
    )
    assert response.status_code == 302
    # The message changed the marker: the next view shows it (and the flash message,
    # which a stored page never carries).
    page = _page(client, case)
    assert "Önbellekten gelen sayfadan" in page
    assert "Your message has been sent." in page or "Mesajınız" in page


def test_a_renamed_service_or_an_overdue_case_renders_anew(client, people):
    from datetime import timedelta

    from django.utils import timezone

    from cinar.cases.models import Case

    case = submit(people.a)
    client.force_login(people.a)
    assert "Overdue" not in _page(client, case)
    Case.objects.filter(pk=case.pk).update(due_at=timezone.now() - timedelta(minutes=1))
    assert "Overdue" in _page(client, case)
    service = case.service
    service.name_en = service.name = "Yeni hizmet adı"
    service.save()
    assert "Yeni hizmet adı" in _page(client, case)

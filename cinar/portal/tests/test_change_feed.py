"""The status page with the change feed (ADR 0044), on PostgreSQL: the triggers tell what
changed, and a reload checked once is answered without a query until something it
depends on changes — then the next reload is checked again, and shows the change.

Each test commits (the feed hears committed changes only), and waits until the feed has
heard everything committed before it goes on: ``wait_caught_up``, the moment the feed
would vouch for it in production too."""

from __future__ import annotations

import time
from datetime import timedelta

import pytest
from django.contrib.sessions.models import Session
from django.db import connection, transaction
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from cinar.cases.actions import (
    case_document_add,
    case_document_request,
    case_message_post,
)
from cinar.cases.models import Case, CaseResult
from cinar.catalog.models import Service
from cinar.core.changefeed import ChangeFeed, connection_params
from cinar.portal import fastpath
from cinar.portal.tests.conftest import officer, submit, upload
from cinar.portal.tests.test_fastpath import TOKEN, Client, _url, _warm
from cinar.workflow.actions import work_item_claim, work_item_complete
from cinar.workflow.models import OPEN_WORK_ITEM_STATUSES, WorkItem

pytestmark = [
    pytest.mark.skipif(connection.vendor != "postgresql", reason="LISTEN/NOTIFY is PostgreSQL's"),
    pytest.mark.django_db(transaction=True),
]


@pytest.fixture
def listener():
    """A feed on the triggers' channel, of the test's own (the bookkeeping is read)."""
    feed = ChangeFeed(fastpath.CHANNEL, connection_params(), beat=0.05)
    feed.start()
    assert feed.wait_caught_up(10)
    yield feed
    feed.stop()


def _heard(feed, change):
    """The tokens the triggers sent for ``change`` (None: "anything")."""
    mark = feed.mark()
    change()
    assert feed.wait_caught_up()
    return feed.heard_since(mark)


def test_each_watched_row_tells_its_case_user_or_session(listener, people):
    case = submit(people.a)
    token = f"c:{case.pk}"
    assert _heard(
        listener, lambda: case_message_post(actor=people.admin, case=case, text="Geliyoruz.")
    ) == {token}
    assert _heard(
        listener, lambda: case_document_request(actor=people.admin, case=case, what="Tapu")
    ) >= {token}
    assert token in _heard(
        listener,
        lambda: case_document_add(actor=people.a, case=case, request=None, files=[upload()]),
    )
    assert _heard(
        listener, lambda: CaseResult.objects.create(case=case, document=case.document)
    ) == {token}
    assert _heard(listener, lambda: Case.objects.filter(pk=case.pk).update(rating=5)) == {token}

    item = WorkItem.objects.get(instance=case.process_instance, status__in=OPEN_WORK_ITEM_STATUSES)
    clerk = officer()
    item = work_item_claim(actor=clerk, work_item=item)
    # A step done writes process events (and moves the case's own fields).
    assert token in _heard(
        listener,
        lambda: work_item_complete(actor=clerk, work_item=item, data={"oncelik": "normal"}),
    )

    people.a.first_name = "Yenisim"
    assert _heard(listener, people.a.save) == {f"u:{people.a.pk}"}

    client = Client()
    client.force_login(people.a)
    key = client.session.session_key
    assert _heard(
        listener,
        lambda: Session.objects.filter(session_key=key).update(expire_date=timezone.now()),
    ) == {f"s:{key}"}
    assert _heard(listener, lambda: Session.objects.filter(session_key=key).delete()) == {
        f"s:{key}"
    }

    service = Service.objects.get(pk=case.service_id)
    assert (
        _heard(listener, lambda: Service.objects.filter(pk=service.pk).update(name="Yeni ad"))
        is None
    )


def test_a_new_application_tells_nobody_but_its_transaction_tells_of_others(listener, people):
    """Nothing outside a transaction can have checked a case inserted in it."""
    assert _heard(listener, lambda: submit(people.a)) == set()
    existing = submit(people.a)

    def one_transaction():
        with transaction.atomic():
            new = submit(people.b)
            case_message_post(actor=people.admin, case=new, text="Yeni başvuru.")
            case_message_post(actor=people.admin, case=existing, text="Eski başvuru.")

    assert _heard(listener, one_transaction) == {f"c:{existing.pk}"}
    new = Case.objects.order_by("-pk").first()
    assert _heard(
        listener, lambda: case_message_post(actor=people.admin, case=new, text="Sonra.")
    ) == {f"c:{new.pk}"}


def test_rolled_back_work_tells_nothing(listener, people):
    case = submit(people.a)

    def change_and_roll_back():
        with pytest.raises(RuntimeError), transaction.atomic():
            case_message_post(actor=people.admin, case=case, text="Geri alınacak.")
            raise RuntimeError("rolled back")

    assert _heard(listener, change_and_roll_back) == set()


# --- the fast answer with the feed ------------------------------------------------------


@pytest.fixture
def feed(settings):
    settings.CINAR_PORTAL_CHANGE_FEED = True
    yield
    fastpath.stop_change_feed()


def _get(client, case):
    """The response and how many queries it took (the fast answer's check is one)."""
    with CaptureQueriesContext(connection) as queries:
        response = client.get(_url(case))
    return response, len(queries)


@pytest.fixture
def trusted(feed, people):
    """Citizen A's application, viewed through the stack, then reloaded until the fast
    path answers it without a query: returns (client, case)."""
    case = submit(people.a)
    client = Client()
    client.force_login(people.a)
    _warm(client, case)
    first, _queries = _get(client, case)  # the first fast answer starts the feed
    assert fastpath._feed is not None and fastpath._feed.wait_caught_up(10)
    _get(client, case)  # checked while the feed vouches (if the first was not)
    again, queries = _get(client, case)
    assert again.status_code == 200 and queries == 0
    assert _same_but_token(again, first)
    return client, case


def _same_but_token(one, other):
    return TOKEN.sub("", one.content.decode()) == TOKEN.sub("", other.content.decode())


def _settled():
    assert fastpath._feed.wait_caught_up()


def test_a_trusted_reload_takes_no_query_until_the_case_changes(trusted, people):
    client, case = trusted
    for _ in range(3):
        response, queries = _get(client, case)
        assert response.status_code == 200 and queries == 0
    case_message_post(actor=people.admin, case=case, text="Ekibimiz yolda.")
    _settled()
    response, queries = _get(client, case)
    assert queries > 0 and "Ekibimiz yolda." in response.content.decode()


def test_a_step_done_by_staff_is_shown_on_the_next_reload(trusted, people):
    client, case = trusted
    item = WorkItem.objects.get(instance=case.process_instance, status__in=OPEN_WORK_ITEM_STATUSES)
    clerk = officer()
    item = work_item_claim(actor=clerk, work_item=item)
    before = _get(client, case)[0].content
    work_item_complete(actor=clerk, work_item=item, data={"oncelik": "normal"})
    _settled()
    response, queries = _get(client, case)
    assert queries > 0 and response.content != before


@pytest.mark.parametrize(
    "change",
    [
        pytest.param(
            lambda c, p: Session.objects.filter(session_key=c.session.session_key).delete(),
            id="logout-elsewhere",
        ),
        pytest.param(
            lambda c, p: Session.objects.filter(session_key=c.session.session_key).update(
                expire_date=timezone.now() - timedelta(seconds=1)
            ),
            id="expired",
        ),
        pytest.param(
            lambda c, p: (p.a.set_password("Yeni-Parola-2026!"), p.a.save()), id="password"
        ),
        pytest.param(lambda c, p: (setattr(p.a, "is_active", False), p.a.save()), id="deactivated"),
    ],
)
def test_a_session_ended_elsewhere_is_not_answered_again(trusted, people, change):
    client, case = trusted
    change(client, people)
    _settled()
    response, queries = _get(client, case)
    assert response.status_code == 302 and queries > 0  # to the login page


def test_a_case_given_to_someone_else_is_not_shown_again(trusted, people):
    client, case = trusted
    Case.objects.filter(pk=case.pk).update(applicant=people.b)
    _settled()
    response, _queries = _get(client, case)
    assert response.status_code == 404


def test_a_renamed_service_ends_every_trust(trusted):
    client, case = trusted
    service = Service.objects.get(pk=case.service_id)
    service.name = service.name_en = "Yeni hizmet adı"
    service.save()  # its updated_at is in the change marker
    _settled()
    response, queries = _get(client, case)
    assert queries > 0 and "Yeni hizmet adı" in response.content.decode()


def test_without_the_feeds_word_every_reload_is_checked(trusted, monkeypatch):
    client, case = trusted
    monkeypatch.setattr(fastpath._feed, "max_lag", -1.0)  # as if its listener had stalled
    for _ in range(2):
        response, queries = _get(client, case)
        assert response.status_code == 200 and queries == 1


def test_an_open_case_falling_overdue_is_checked_again_when_it_does(trusted):
    """Nothing is written when a due date passes: the trust ends with it."""
    client, case = trusted
    Case.objects.filter(pk=case.pk).update(due_at=timezone.now() + timedelta(seconds=2))
    _settled()
    assert _get(client, case)[1] > 1  # a new due date, a new page: rendered
    response, queries = _get(client, case)  # checked: trusted until the due date
    assert queries == 1 and "Overdue" not in response.content.decode()
    assert _get(client, case)[1] == 0
    time.sleep(2.1)
    response, queries = _get(client, case)
    assert queries > 0 and "Overdue" in response.content.decode()

"""The weekly report to directors: recipients, figures, language, never twice a week."""

import datetime as dt

import pytest
from django.core.management import call_command
from django.core.management.base import CommandError

from cinar.identity.tests.factories import StaffFactory
from cinar.insights.load import load_generate
from cinar.insights.queries import dashboard, filters_for
from cinar.insights.rollups import rollups_update
from cinar.insights.weekly import (
    EVENT,
    last_week,
    send_reports,
    weekly_recipients,
    weekly_report_build,
    weekly_reports_send,
)
from cinar.notifications.models import OutboxMessage
from cinar.organization.models import Unit


@pytest.fixture
def loaded(world):
    load_generate(cases=120, seed=41, days=21)
    rollups_update()
    return world


def test_last_week_is_monday_to_sunday():
    assert last_week(dt.date(2026, 11, 23)) == (dt.date(2026, 11, 16), dt.date(2026, 11, 22))
    assert last_week(dt.date(2026, 11, 22)) == (dt.date(2026, 11, 9), dt.date(2026, 11, 15))


def test_recipients_are_active_unit_managers(world):
    assert weekly_recipients() == [world.manager]
    gone = StaffFactory(username="eski_mudur", is_active=False)
    Unit.objects.filter(pk=world.other.pk).update(manager=gone)
    assert weekly_recipients() == [world.manager]


def test_report_figures_language_and_idempotency(loaded, settings):
    w = loaded
    w.manager.preferred_language = "tr"
    w.manager.email = "mudur@example.com"
    w.manager.save()
    second = StaffFactory(username="kultur_mudur", email="k@example.com", preferred_language="en")
    Unit.objects.filter(pk=w.other.pk).update(manager=second)

    dry = weekly_reports_send(dry_run=True)
    assert not OutboxMessage.objects.exists() and not dry.sent
    assert {r.user for r in dry.reports} == {w.manager, second}

    run = weekly_reports_send()
    assert sorted(run.sent) == sorted([w.manager.pk, second.pk]) and not run.failed
    start, end = last_week()
    board = dashboard(filters=filters_for(user=w.manager, start=start, end=end, unit_pk=None))
    tr = OutboxMessage.objects.get(recipient=w.manager)
    assert tr.event == EVENT and tr.channel == "email" and tr.address == "mudur@example.com"
    assert tr.subject.startswith("Haftalık rapor")
    assert f"Gelen başvuru: {board.received}" in tr.body
    assert f"Sonuçlanan başvuru: {board.closed}" in tr.body
    assert f"Şu anda açık ve süresi geçmiş: {board.open_overdue}" in tr.body
    assert "Fen İşleri" in tr.body
    assert f"/staff/insights/?start={start.isoformat()}&end={end.isoformat()}" in tr.body
    if board.steps:
        assert board.steps[0].name in tr.body
    en = OutboxMessage.objects.get(recipient=second)
    assert en.subject.startswith("Weekly report") and "Applications received: 0" in en.body

    again = weekly_reports_send()
    assert not again.sent and sorted(again.skipped) == sorted([w.manager.pk, second.pk])
    assert send_reports() == 0
    assert OutboxMessage.objects.filter(event=EVENT).count() == 2
    # Next week: new messages.
    later = weekly_reports_send(today=dt.date.today() + dt.timedelta(days=7))
    assert len(later.sent) == 2
    assert OutboxMessage.objects.filter(event=EVENT).count() == 4


def test_command_dry_run_and_send(loaded, capsys):
    call_command("insights_weekly_report", "--dry-run")
    out = capsys.readouterr().out
    assert "mudur" in out and "[would send]" in out and "1 report(s) would be sent" in out
    assert not OutboxMessage.objects.exists()
    call_command("insights_weekly_report")
    assert "1 report(s) sent" in capsys.readouterr().out
    call_command("insights_weekly_report")
    out = capsys.readouterr().out
    assert "[already sent]" in out and "0 report(s) sent, 1 already sent" in out
    assert OutboxMessage.objects.count() == 1
    with pytest.raises(CommandError):
        call_command("insights_weekly_report", "--today", "yesterday")


def test_beat_schedule_names_a_registered_task(settings):
    from config.celery import app

    entry = settings.CELERY_BEAT_SCHEDULE["insights-weekly-report"]
    app.loader.import_default_modules()
    assert entry["task"] in app.tasks


def test_report_covers_the_managed_units_not_the_primary_units_tree(loaded):
    """A Birim's manager whose primary unit is the Müdürlük above gets the Birim's
    figures, though they may open the Müdürlük's dashboards."""
    w = loaded
    Unit.objects.filter(pk=w.sub.pk).update(manager=w.staff)  # fen_memur, primary unit Fen
    start, end = last_week()
    report = weekly_report_build(user=w.staff, start=start, end=end)
    own = dashboard(filters=filters_for(user=w.staff, start=start, end=end, unit_pk=w.sub.pk))
    wider = dashboard(filters=filters_for(user=w.staff, start=start, end=end, unit_pk=None))
    assert report.units == "Yol Bakım"
    assert (report.received, report.closed) == (own.received, own.closed)
    assert wider.received > own.received  # the synthetic load files under Fen İşleri


@pytest.mark.parametrize(
    ("language", "step", "other"), [("en", "Review", "Inceleme"), ("tr", "Inceleme", "Review")]
)
def test_step_names_are_in_the_recipients_language(loaded, english_names, language, step, other):
    """The slowest steps are named in the director's language (cinar:nameEn, ADR 0045),
    whatever language the worker building the report happens to have active."""
    from django.utils import translation

    manager = loaded.manager
    manager.preferred_language, manager.email = language, "mudur@example.com"
    manager.save()
    with translation.override("tr" if language == "en" else "en"):
        run = weekly_reports_send()
    (report,) = run.reports
    assert run.sent == [manager.pk]
    assert [s["name"] for s in report.slowest if s["name"] in (step, other)] == [step]
    body = OutboxMessage.objects.get(recipient=manager).body
    assert step in body and other not in body


@pytest.mark.parametrize(
    ("count", "words"),
    [(1, ("1 application received", "1 task\n")), (2, ("2 applications received", "2 tasks\n"))],
)
def test_the_english_report_counts_in_the_singular_and_the_plural(count, words):
    from cinar.notifications.rendering import message_render

    rendered = message_render(
        event=EVENT,
        channel="email",
        language="en",
        context={
            "start_date": dt.date(2026, 11, 9),
            "end_date": dt.date(2026, 11, 15),
            "received": count,
            "closed": 0,
            "in_time_share": None,
            "open_overdue": 0,
            "slowest": [
                {"name": "Review", "process": "Permit", "avg_wait_hours": 2.5, "completed": count}
            ],
            "url": "/staff/insights/",
        },
    )
    assert words[0] in rendered.subject and words[1] in rendered.body

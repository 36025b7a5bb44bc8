"""The change feed (ADR 0044): what it vouches for, and a real listener on PostgreSQL."""

from __future__ import annotations

import os
import time

import pytest
from django.db import connection, transaction

from cinar.core.changefeed import ChangeFeed, connection_params

CHANNEL = "cinar_test_feed"


def _caught_up(feed: ChangeFeed) -> ChangeFeed:
    """A feed that has just heard a beat, without a listener (the bookkeeping alone)."""
    feed._pid = os.getpid()
    feed._caught_up_at = time.monotonic()
    return feed


def test_a_token_heard_after_the_mark_ends_the_trust_and_others_keep_it():
    feed = _caught_up(ChangeFeed(CHANNEL, {}))
    feed.take("c:1")
    mark = feed.mark()
    assert mark is not None
    assert feed.unchanged(["c:1", "u:2"], mark)  # c:1 was heard before the check
    feed.take("u:2")
    assert not feed.unchanged(["c:1", "u:2"], mark)
    assert feed.unchanged(["c:1", "s:x"], mark)
    assert feed.heard_since(mark) == {"u:2"}


def test_anything_or_a_full_table_ends_every_trust_taken_before():
    feed = _caught_up(ChangeFeed(CHANNEL, {}, capacity=3))
    mark = feed.mark()
    feed.take("*")
    assert not feed.unchanged(["c:1"], mark)
    assert feed.heard_since(mark) is None
    later = feed.mark()
    for token in ("c:1", "c:2", "c:3", "c:4"):
        feed.take(token)
    assert not feed.unchanged(["c:9"], later)  # c:9 was not heard, but the table is full
    assert feed.unchanged(["c:9"], feed.mark())


def test_nothing_is_vouched_for_once_the_last_beat_is_older_than_the_lag():
    feed = _caught_up(ChangeFeed(CHANNEL, {}, max_lag=2.0))
    mark = feed.mark()
    assert mark is not None and feed.unchanged(["c:1"], mark)
    feed._caught_up_at = time.monotonic() - 2.5
    assert not feed.trusted()
    assert feed.mark() is None
    assert not feed.unchanged(["c:1"], mark)


postgresql = pytest.mark.skipif(
    connection.vendor != "postgresql", reason="LISTEN/NOTIFY is PostgreSQL's"
)


@pytest.fixture
def feed(transactional_db):
    listening = ChangeFeed(CHANNEL, connection_params(), beat=0.05, max_lag=1.0)
    listening.start()
    assert listening.wait_caught_up(10), "the listener did not hear its own beat"
    yield listening
    listening.stop()


def _notify(token: str) -> None:
    with connection.cursor() as cursor:
        cursor.execute("SELECT pg_notify(%s, %s)", [CHANNEL, token])


@postgresql
def test_a_committed_notification_is_heard_and_a_rolled_back_one_is_not(feed):
    mark = feed.mark()
    assert mark is not None
    with transaction.atomic():
        _notify("c:1")
    with pytest.raises(RuntimeError), transaction.atomic():
        _notify("c:2")
        raise RuntimeError("rolled back")
    assert feed.wait_caught_up()
    assert feed.heard_since(mark) == {"c:1"}
    assert not feed.unchanged(["c:1"], mark)
    assert feed.unchanged(["c:2"], mark)


@postgresql
def test_a_stopped_feed_vouches_for_nothing_and_a_new_process_listens_anew(feed):
    mark = feed.mark()
    feed.stop()
    assert not feed.trusted() and feed.mark() is None
    assert not feed.unchanged([], mark)
    feed.start()  # as after a fork: everything before is forgotten
    assert feed.wait_caught_up()
    assert not feed.unchanged([], mark)  # taken before the listener started again
    assert feed.unchanged([], feed.mark())


@postgresql
def test_a_feed_whose_beats_never_come_back_says_so_and_vouches_for_nothing(
    transactional_db, caplog, monkeypatch
):
    """As behind a pooler in transaction mode: the LISTEN does not hold, so nothing the
    feed sends comes back."""
    import psycopg

    real_connect = psycopg.connect

    def pooled(*args, **kwargs):
        connection = real_connect(*args, **kwargs)
        monkeypatch.setattr(connection, "notifies", lambda timeout=None: iter(()))
        return connection

    monkeypatch.setattr(psycopg, "connect", pooled)
    deaf = ChangeFeed(CHANNEL, connection_params(), beat=0.05)
    deaf.silent_after = 0.3
    deaf.start()
    try:
        deadline = time.monotonic() + 10
        while "none of its beats came back" not in caplog.text and time.monotonic() < deadline:
            time.sleep(0.05)
        assert "none of its beats came back" in caplog.text
        assert caplog.text.count("none of its beats came back") == 1
        assert not deaf.trusted() and deaf.mark() is None
    finally:
        deaf.stop()

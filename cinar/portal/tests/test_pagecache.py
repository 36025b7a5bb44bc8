"""The worker's page store: pages expire after ``PAGE_TTL``, the oldest go first when
it is full, and a stored page gets each response's own token."""

from __future__ import annotations

from cinar.portal import pagecache


def test_pages_expire_and_the_oldest_go_first(monkeypatch):
    store = pagecache._Pages()
    clock = [1000.0]
    monkeypatch.setattr(pagecache.time, "monotonic", lambda: clock[0])
    store.set("a", (b"A",))
    clock[0] += pagecache.PAGE_TTL - 1
    assert store.get("a") == (b"A",)
    clock[0] += 1
    assert store.get("a") is None
    monkeypatch.setattr(pagecache, "MAX_PAGES", 2)
    for key in ("x", "y", "z"):
        store.set(key, (key.encode(),))
    assert store.get("x") is None
    assert store.get("y") == (b"y",) and store.get("z") == (b"z",)


def test_a_stored_page_gets_the_token_where_each_placeholder_was():
    response = pagecache.stored_response((b"<p>", b"</p><i>", b"</i>"), "TOKEN")
    assert response.content == b"<p>TOKEN</p><i>TOKEN</i>"

"""Row changes told by PostgreSQL as they commit (``LISTEN``/``NOTIFY``), so that a worker
may trust what it checked until the database says that it changed (ADR 0044).

Triggers (installed by the app that needs them, e.g. ``portal`` migration 0001) send
``pg_notify(channel, token)`` for every row they watch that changes: a token names what
changed (``"c:17"``: case 17), and ``"*"`` means anything may have. A ``ChangeFeed`` in
each worker process listens on its own connection, in a thread, and keeps for every token
the position (``seq``) at which it last heard of it.

A caller that checks something with a query asks for ``mark()`` *before* the query and
keeps the mark with what it found. Later, ``unchanged(tokens, mark)`` is true when none of
the tokens has been heard of since the mark, and the feed can vouch that it has heard of
everything committed more than ``max_lag`` seconds ago. Then what the query found still
holds, but for changes committed in the last moments (``max_lag`` at the worst, a few
milliseconds when the feed keeps up) — the same window a query-then-answer has between
its query and its answer, made a little wider.

How the feed vouches: every ``beat`` seconds its thread notifies a channel of its own and
notes when it sent that. PostgreSQL delivers notifications in commit order, so when a
beat comes back every change committed before it was sent has been heard. The feed is
trusted only while the last beat heard was sent less than ``max_lag`` seconds ago; a
broken, stalled or starved listener stops being trusted on its own, and every caller
goes back to its query. After a reconnection, or when a token ``"*"`` arrives, or when
more tokens are remembered than ``capacity``, nothing checked before is trusted again.

PostgreSQL only; the listening connection must reach PostgreSQL itself (not a pooler in
transaction mode, where ``LISTEN`` does not hold: the beats would not come back, so the
feed would never be trusted — safe, but of no use).
"""

from __future__ import annotations

import logging
import os
import threading
import time
from collections.abc import Iterable
from typing import Any

logger = logging.getLogger(__name__)


class ChangeFeed:
    """One worker process's listener on ``channel`` (the module docstring)."""

    def __init__(
        self,
        channel: str,
        connection_params: dict[str, Any],
        *,
        beat: float = 0.5,
        max_lag: float = 2.0,
        capacity: int = 100_000,
    ) -> None:
        self.channel = channel
        self.beat = beat
        self.max_lag = max_lag
        self.capacity = capacity
        #: Seconds without a beat back on a new connection before the feed says so in
        #: the log (once per connection).
        self.silent_after = 10.0
        self._params = connection_params
        #: How many notifications have been heard; a mark is a value of it.
        self.seq = 0
        #: Marks below it are not trusted (a reconnection, a ``"*"``, a full table).
        self.floor = 0
        self._heard: dict[str, int] = {}
        #: ``time.monotonic()`` when the last beat heard back was sent: every change
        #: committed before then has been heard.
        self._caught_up_at = float("-inf")
        self._pid: int | None = None
        self._stopping = threading.Event()
        self._thread: threading.Thread | None = None
        self._starting = threading.Lock()

    # --- what callers ask ------------------------------------------------------------

    def trusted(self) -> bool:
        """Whether every change committed more than ``max_lag`` seconds ago is known."""
        return time.monotonic() - self._caught_up_at <= self.max_lag

    def mark(self) -> int | None:
        """The position to keep with a check made from now on, or None while the feed
        cannot vouch for anything (then nothing checked now may be trusted later)."""
        self.start()
        return self.seq if self.trusted() else None

    def unchanged(self, tokens: Iterable[str], mark: int) -> bool:
        """Whether nothing named by ``tokens`` has changed since ``mark`` was taken (and
        the feed can vouch for it now)."""
        if mark < self.floor or not self.trusted():
            return False
        heard = self._heard
        return all(heard.get(token, 0) <= mark for token in tokens)

    def heard_since(self, mark: int) -> set[str] | None:
        """The tokens heard since ``mark``; None when anything may have changed since (a
        ``"*"``, a reconnection, a full table)."""
        if mark < self.floor:
            return None
        return {token for token, seq in list(self._heard.items()) if seq > mark}

    def wait_caught_up(self, timeout: float = 5.0) -> bool:
        """Wait until every change committed before this call has been heard; False if
        that took longer than ``timeout`` seconds."""
        self.start()
        since = time.monotonic()
        while self._caught_up_at <= since:
            if time.monotonic() - since > timeout:
                return False
            time.sleep(0.005)
        return True

    # --- the listening thread -----------------------------------------------------------

    def start(self) -> None:
        """Start listening in this process (again after a fork: a thread does not cross
        one). Cheap when already listening."""
        pid = os.getpid()
        if self._pid == pid:
            return
        with self._starting:  # two request threads of a threaded server may both ask
            if self._pid == pid:
                return
            # Marks keep counting up: one taken before (by a parent process, or before
            # a stop) stays below the floor the new listener sets.
            self._restart()
            self._caught_up_at = float("-inf")
            self._stopping = threading.Event()  # this thread's own: a stop ends it alone
            self._thread = threading.Thread(
                target=self._listen,
                args=(self._stopping,),
                name=f"changefeed-{self.channel}",
                daemon=True,
            )
            self._thread.start()
            self._pid = pid

    def stop(self, timeout: float = 5.0) -> None:
        """Stop listening and close the connection (tests; a worker simply exits)."""
        self._stopping.set()  # seen by the thread within ``beat`` seconds
        if self._thread is not None:
            self._thread.join(timeout)
        self._thread, self._pid = None, None
        self._caught_up_at = float("-inf")

    def _silent_since(self, connected: float) -> bool:
        """Whether no beat sent on this connection has come back for ``silent_after``
        seconds since it was made."""
        return self._caught_up_at < connected and time.monotonic() - connected > self.silent_after

    def _restart(self) -> None:
        """Everything heard before a (re)connection may have missed changes: forget it."""
        self._heard = {}
        self.seq += 1
        self.floor = self.seq

    def take(self, payload: str) -> None:
        """Record one notification (the listening thread; tests call it directly)."""
        seq = self.seq + 1
        if payload == "*" or len(self._heard) >= self.capacity:
            self._heard = {}
            self.floor = seq
        else:
            self._heard[payload] = seq
        self.seq = seq  # after the token: a mark taken in between is only more cautious

    def _listen(self, stopping: threading.Event) -> None:
        import psycopg
        from psycopg import sql

        beat_channel = f"{self.channel}_beat_{os.getpid()}"
        wait = 0.5
        while not stopping.is_set():
            try:
                with psycopg.connect(**self._params, autocommit=True) as connection:
                    for name in (self.channel, beat_channel):
                        connection.execute(sql.SQL("LISTEN {}").format(sql.Identifier(name)))
                    self._restart()
                    wait = 0.5
                    connected, warned = time.monotonic(), False
                    while not stopping.is_set():
                        sent = time.monotonic()
                        connection.execute("SELECT pg_notify(%s, %s)", (beat_channel, repr(sent)))
                        for note in connection.notifies(timeout=self.beat):
                            if note.channel == beat_channel:
                                self._caught_up_at = max(self._caught_up_at, float(note.payload))
                            else:
                                self.take(note.payload)
                        if not warned and self._silent_since(connected):
                            warned = True
                            logger.warning(
                                "change feed %s: none of its beats came back in %.0f s, so "
                                "it vouches for nothing and every check runs its query; "
                                "LISTEN needs a direct connection to PostgreSQL (not a "
                                "pooler in transaction mode)",
                                self.channel,
                                self.silent_after,
                            )
            except Exception:  # a listener must outlive any failure
                self._caught_up_at = float("-inf")
                if stopping.is_set():
                    break
                logger.warning("change feed %s: listening failed", self.channel, exc_info=True)
                stopping.wait(wait)
                wait = min(wait * 2, 30.0)
        self._caught_up_at = float("-inf")


def connection_params(alias: str = "default") -> dict[str, Any]:
    """psycopg's ``connect()`` arguments for the database ``alias`` as Django connects to
    it (less Django's own cursor and adapter settings)."""
    from django.db import connections

    params = dict(connections[alias].get_connection_params())
    for own in ("cursor_factory", "context", "prepare_threshold"):
        params.pop(own, None)
    return params

"""A live game changed: tell every process on the database, not only the one that changed it.

Each process's streams (app/contest/events.py) read a game once per tick, so a question a host opens
reaches the viewers of another process up to a tick late, and a phone's points fall with the time
since the question opened on the server: the late viewers lose points by chance. On PostgreSQL a
host action therefore sends `NOTIFY` in its own transaction (delivered on commit, never for a
rolled-back action), and each process that has viewers listens on one connection of its own and
reads the game at once. SQLite has no such thing: there the process that committed wakes its own
streams (`Broadcaster.poke`), the others keep to the tick.
"""

import logging
import threading
from collections.abc import Callable

from sqlalchemy import text
from sqlalchemy.engine import Engine
from sqlmodel import Session

log = logging.getLogger(__name__)

CHANNEL = "postdrill_contest"
WAIT_S = 1.0  # how often the listener looks whether anyone still watches
RETRY_S = 2.0  # after a lost connection


def announce(session: Session, competition_id: int) -> None:
    """In the host action's transaction: PostgreSQL delivers it to every listener on commit."""
    if session.connection().dialect.name == "postgresql":
        session.execute(
            text("SELECT pg_notify(:channel, :payload)"), {"channel": CHANNEL, "payload": str(competition_id)}
        )


class Listener:
    """One thread and one connection per process, while `wanted()` says someone watches a game:
    every notice becomes `heard(competition_id)`. Started again by `ensure` when wanted anew."""

    def __init__(self, engine: Engine, heard: Callable[[int], None], wanted: Callable[[], bool]) -> None:
        self._engine = engine
        self._heard = heard
        self._wanted = wanted
        self._thread: threading.Thread | None = None
        self._lock = threading.Lock()
        self.listening = threading.Event()  # set once LISTEN is in place (tests wait for it)

    def ensure(self) -> None:
        """Call after making `wanted()` true."""
        if self._engine.dialect.name != "postgresql":
            return
        with self._lock:
            if self._thread is None:
                self._thread = threading.Thread(target=self._run, name="contest-notices", daemon=True)
                self._thread.start()

    def _run(self) -> None:
        while True:
            with self._lock:  # the thread ends, or goes on, as one step with `ensure`'s look
                if not self._wanted():
                    self._thread = None
                    return
            try:
                self._listen()
            except Exception:  # the database went away: streams keep their tick, try again
                log.exception("listening for competition notices failed")
                threading.Event().wait(RETRY_S)

    def _listen(self) -> None:
        # a connection of its own, out of the pool for good (it is closed when nobody watches)
        pooled = self._engine.raw_connection()
        connection = pooled.driver_connection
        pooled.detach()
        try:
            connection.rollback()  # the pool's ping may have begun a transaction
            connection.autocommit = True
            connection.execute(f"LISTEN {CHANNEL}")
            self.listening.set()
            while self._wanted():
                for notice in connection.notifies(timeout=WAIT_S):
                    if notice.payload.isdigit():
                        self._heard(int(notice.payload))
        finally:
            self.listening.clear()
            connection.close()

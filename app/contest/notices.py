"""A live game changed: tell every process on the database, not only the one that changed it.

Each process's streams (app/contest/events.py) read a game once per tick, so a question a host opens
reaches the viewers of another process up to a tick late, and a phone's points fall with the time
since the question opened on the server: the late viewers lose points by chance. So a host action
calls `announce`, which tells every process once the action's transaction commits (never for a
rolled-back action), and each process that has viewers runs one `Listener` that wakes its streams:

- PostgreSQL: `announce` sends `NOTIFY` in the action's transaction (the server delivers it on
  commit); the listener LISTENs on one connection of its own.
- SQLite (a file): after the commit, `announce` appends the competition id as a line to a notice
  file beside the database (`<db>-contest-notices`, like SQLite's own `-wal`); the listener looks at
  the file's `os.stat` every POLL_S and reads the lines added since. A short append is one write
  (O_APPEND; the database is on a local disk, as SQLite's locking needs anyway), so notices of
  several processes do not mix; the writer empties the file when it grows past MAX_BYTES. A notice
  lost in a race (emptied just after another process appended), a garbled line or a missing file
  costs at most a tick, never an error: the streams' tick stays.
- In-memory SQLite (no file other processes could see) or a notice file that cannot be written:
  nothing; the process that committed still wakes its own streams (`Broadcaster.poke`).
"""

import logging
import os
import threading
import time
from collections.abc import Callable
from pathlib import Path

from sqlalchemy import event, text
from sqlalchemy.engine import URL, Engine
from sqlalchemy.orm import SessionTransaction
from sqlmodel import Session

log = logging.getLogger(__name__)

CHANNEL = "postdrill_contest"
WAIT_S = 1.0  # how often the PostgreSQL listener looks whether anyone still watches
RETRY_S = 2.0  # after a lost connection or an unreadable notice file
POLL_S = 0.025  # the SQLite listener's look at the notice file: one stat, far below a tick (0.5 s)
MAX_BYTES = 4096  # the notice file is emptied beyond this (about 800 notices), so it never grows
READ_LIMIT = 64 * 1024  # a garbled file is skipped past, not read whole
PENDING = "contest_notices"  # session.info key: competitions to announce when the session commits


def notice_file(url: URL) -> Path | None:
    """The SQLite notice file of a database, None where other processes could not see one."""
    if url.get_backend_name() != "sqlite":
        return None
    database = url.database or ""
    if database in ("", ":memory:") or url.query.get("mode") == "memory" or "mode=memory" in database:
        return None
    return Path(f"{database}-contest-notices")


def announce(session: Session, competition_id: int) -> None:
    """In the host action's transaction: every process's listener hears it once that commits."""
    connection = session.connection()
    if connection.dialect.name == "postgresql":
        session.execute(
            text("SELECT pg_notify(:channel, :payload)"), {"channel": CHANNEL, "payload": str(competition_id)}
        )
    elif (path := notice_file(connection.engine.url)) is not None:
        session.info.setdefault(PENDING, {}).setdefault(path, set()).add(competition_id)
        if not event.contains(session, "after_commit", _write_pending):
            event.listen(session, "after_commit", _write_pending)
            event.listen(session, "after_transaction_end", _drop_pending)


def _write_pending(session: Session) -> None:
    # fired for a savepoint's release too: that is no commit, the outer transaction may yet roll back
    if session.in_nested_transaction():
        return
    pending: dict[Path, set[int]] = session.info.pop(PENDING, {})
    for path, competition_ids in pending.items():
        _append(path, "".join(f"{competition_id}\n" for competition_id in sorted(competition_ids)).encode())


def _drop_pending(session: Session, transaction: SessionTransaction) -> None:
    # the outermost transaction ended without `_write_pending` taking them: rolled back or closed
    if transaction.parent is None:
        session.info.pop(PENDING, None)


def _append(path: Path, lines: bytes) -> None:
    """One write in append mode (a whole notice or none); the committed action stands either way,
    so a failure here only leaves the other processes to their tick."""
    try:
        with path.open("ab", buffering=0) as notices:
            if notices.tell() >= MAX_BYTES:
                notices.truncate(0)  # the listeners see the file shrink and read it from the start
            notices.write(lines)
    except OSError:
        log.debug("cannot write the contest notice file %s", path, exc_info=True)


class Listener:
    """One thread per process, while `wanted()` says someone watches a game: every notice becomes
    `heard(competition_id)`. Started again by `ensure` when wanted anew. The database decides how
    it hears (`_listen_postgresql`, `_watch_file`); a database it cannot hear leaves it idle."""

    def __init__(self, engine: Engine, heard: Callable[[int], None], wanted: Callable[[], bool]) -> None:
        self._engine = engine
        self._heard = heard
        self._wanted = wanted
        self._thread: threading.Thread | None = None
        self._lock = threading.Lock()
        self.listening = threading.Event()  # set once notices are heard (tests wait for it)
        self._path = notice_file(engine.url)
        self._listen: Callable[[], None] | None = None
        if engine.dialect.name == "postgresql":
            self._listen = self._listen_postgresql
        elif self._path is not None:
            self._listen = self._watch_file

    def hears(self) -> bool:
        """Whether notices of other processes can reach this one at all (not in-memory SQLite)."""
        return self._listen is not None

    def ensure(self) -> None:
        """Call after making `wanted()` true."""
        if not self.hears():
            return
        with self._lock:
            if self._thread is None:
                self._thread = threading.Thread(target=self._run, name="contest-notices", daemon=True)
                self._thread.start()

    def _run(self) -> None:
        assert self._listen is not None
        while True:
            with self._lock:  # the thread ends, or goes on, as one step with `ensure`'s look
                if not self._wanted():
                    self._thread = None
                    return
            try:
                self._listen()
            except Exception:  # the database or the file went away: streams keep their tick, try again
                log.exception("listening for competition notices failed")
                threading.Event().wait(RETRY_S)

    def _listen_postgresql(self) -> None:
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

    def _watch_file(self) -> None:
        assert self._path is not None
        reader = NoticeReader(self._path)
        self.listening.set()
        try:
            while self._wanted():
                time.sleep(POLL_S)
                for competition_id in reader.new_notices():
                    self._heard(competition_id)
        finally:
            self.listening.clear()


class NoticeReader:
    """The lines appended to a notice file since the last look; the notices before the first look
    are old news. A look that finds nothing new costs one `os.stat`."""

    def __init__(self, path: Path) -> None:
        self._path = path
        self._seen = self._stat()
        self._offset = self._seen[2] if self._seen else 0

    def _stat(self) -> tuple[int, int, int] | None:
        try:
            status = os.stat(self._path)
        except FileNotFoundError:
            return None
        return status.st_ino, status.st_mtime_ns, status.st_size

    def new_notices(self) -> set[int]:
        seen = self._stat()
        if seen == self._seen:
            return set()
        if seen is None or self._seen is None or seen[0] != self._seen[0] or seen[2] < self._offset:
            self._offset = 0  # a new or emptied file: all of it is new
        self._seen = seen
        if seen is None:
            return set()
        try:
            with self._path.open("rb") as notices:
                notices.seek(self._offset)
                added = notices.read(READ_LIMIT)
        except FileNotFoundError:
            return set()
        # a line still being written waits for its newline; a full read without one is garbage
        complete = added.rfind(b"\n") + 1 or (len(added) if len(added) == READ_LIMIT else 0)
        self._offset += complete
        return {int(line) for line in added[:complete].split() if line.isdigit() and len(line) <= 18}

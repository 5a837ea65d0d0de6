"""The SQLite side of the cross-process wake (app/contest/notices.py): a host action's notice goes
to the file beside the database only once it commits, a listener of another "process" (its own
engine on the same file) hears it, and a missing or garbled notice file costs a tick, never an
error. Real SQLite files in tmp_path, whatever database the rest of the suite runs on; the last
test runs a real host action on the suite's database."""

import threading
from collections.abc import Iterator
from pathlib import Path

import pytest
from fastapi.testclient import TestClient
from sqlalchemy.engine import Engine, make_url
from sqlmodel import Session, create_engine

from app.contest import notices, service
from app.contest.models import Competition
from app.contest.notices import Listener, NoticeReader, notice_file
from app.org.models import Person
from tests.conftest import FakeClock, World
from tests.test_contest import live

WAIT_S = 5.0  # how long a test waits for a notice; only a failure ever waits this long


class Heard:
    """A listener's `heard`: what it was told, and a wait for one competition."""

    def __init__(self) -> None:
        self.ids: list[int] = []
        self._changed = threading.Condition()

    def __call__(self, competition_id: int) -> None:
        with self._changed:
            self.ids.append(competition_id)
            self._changed.notify_all()

    def wait_for(self, competition_id: int) -> bool:
        with self._changed:
            return self._changed.wait_for(lambda: competition_id in self.ids, timeout=WAIT_S)


@pytest.fixture
def database(tmp_path: Path) -> Path:
    return tmp_path / "live.db"


@pytest.fixture
def engines(database: Path) -> Iterator[tuple[Engine, Engine]]:
    """Two engines on one SQLite file, as two worker processes have."""
    pair = (create_engine(f"sqlite:///{database}"), create_engine(f"sqlite:///{database}"))
    yield pair
    for engine in pair:
        engine.dispose()


class Watching:
    """A listener that is wanted until `stop`, as a Broadcaster's is while a channel has viewers."""

    def __init__(self, engine: Engine) -> None:
        self.heard = Heard()
        self.wanted = True
        self.listener = Listener(engine, heard=self.heard, wanted=lambda: self.wanted)
        self.listener.ensure()
        assert self.listener.listening.wait(WAIT_S)

    def stop(self) -> None:
        self.wanted = False
        for _ in range(100):
            if not self.listener.listening.is_set():
                return
            threading.Event().wait(0.05)
        raise AssertionError("the listener did not stop when nobody watched")


def notice_bytes(database: Path) -> bytes:
    path = Path(f"{database}-contest-notices")
    return path.read_bytes() if path.exists() else b""


def test_a_committed_host_action_is_heard_by_the_listener_of_another_process(
    engines: tuple[Engine, Engine], database: Path
) -> None:
    hosts, viewers = engines
    watching = Watching(viewers)
    try:
        with Session(hosts) as session:
            notices.announce(session, 41)
            notices.announce(session, 42)
            assert notice_bytes(database) == b""  # nothing before the commit
            session.commit()
        assert watching.heard.wait_for(41) and watching.heard.wait_for(42)
        with Session(hosts) as session:  # and the next action, heard as well
            notices.announce(session, 7)
            session.commit()
        assert watching.heard.wait_for(7)
    finally:
        watching.stop()
    assert set(watching.heard.ids) == {41, 42, 7}


def test_a_rolled_back_or_abandoned_action_sends_nothing(engines: tuple[Engine, Engine], database: Path) -> None:
    hosts, _ = engines
    with Session(hosts) as session:
        notices.announce(session, 5)
        session.rollback()
        session.commit()  # a later commit of the same session does not send the rolled-back one
        notices.announce(session, 6)
        session.close()
        session.commit()
        with session.begin_nested():  # a savepoint's release is no commit
            notices.announce(session, 8)
        assert notice_bytes(database) == b""
        session.rollback()
    assert notice_bytes(database) == b""
    with Session(hosts) as session:
        notices.announce(session, 9)
        session.commit()
    assert notice_bytes(database) == b"9\n"


def test_a_full_notice_file_starts_again_and_listeners_follow(engines: tuple[Engine, Engine], database: Path) -> None:
    hosts, viewers = engines
    Path(f"{database}-contest-notices").write_bytes(b"1\n" * notices.MAX_BYTES)
    watching = Watching(viewers)
    try:
        with Session(hosts) as session:
            notices.announce(session, 77)
            session.commit()
        assert notice_bytes(database) == b"77\n"
        assert watching.heard.wait_for(77)
    finally:
        watching.stop()
    assert watching.heard.ids == [77]  # the notices before the listener started are old news


def test_a_missing_or_garbled_notice_file_costs_a_tick_never_an_error(tmp_path: Path) -> None:
    path = tmp_path / "live.db-contest-notices"
    reader = NoticeReader(path)
    assert reader.new_notices() == set()  # no file yet
    path.write_bytes(b"12\n")
    assert reader.new_notices() == {12}  # a file that appears is read whole
    with path.open("ab") as appending:
        appending.write(b"abc\n\x00\xff\n-3\n99999999999999999999999\n4")
    assert reader.new_notices() == set()  # garbage is skipped, the unfinished "4" waits
    with path.open("ab") as appending:
        appending.write(b"5\n")
    assert reader.new_notices() == {45}
    path.unlink()
    assert reader.new_notices() == set()
    path.write_bytes(b"\xff" * (notices.READ_LIMIT + 10))  # a garbled file without a line end
    assert reader.new_notices() == set()
    assert reader.new_notices() == set()
    with path.open("ab") as appending:
        appending.write(b"\n6\n")
    assert reader.new_notices() == {6}


def test_a_listener_survives_a_garbled_notice_file(engines: tuple[Engine, Engine], database: Path) -> None:
    hosts, viewers = engines
    watching = Watching(viewers)
    try:
        Path(f"{database}-contest-notices").write_bytes(b"\x00garbage\nnot a number\n")
        with Session(hosts) as session:
            notices.announce(session, 3)
            session.commit()
        assert watching.heard.wait_for(3)
    finally:
        watching.stop()
    assert watching.heard.ids == [3]


def test_no_file_for_an_in_memory_database_and_an_unwritable_one_is_skipped(tmp_path: Path) -> None:
    assert notice_file(make_url("sqlite://")) is None
    assert notice_file(make_url("sqlite:///:memory:")) is None
    assert notice_file(make_url("sqlite:///file:live?mode=memory&cache=shared&uri=true")) is None
    assert notice_file(make_url("postgresql+psycopg://x@h/db")) is None
    assert notice_file(make_url(f"sqlite:///{tmp_path / 'a.db'}")) == tmp_path / "a.db-contest-notices"
    memory = create_engine("sqlite://")
    listener = Listener(memory, heard=lambda _: None, wanted=lambda: True)
    assert not listener.hears()
    listener.ensure()
    assert not listener.listening.is_set()
    with Session(memory) as session:
        notices.announce(session, 1)
        session.commit()  # nothing to write, nothing raised
    # the database is there, the notice file cannot be: the action stands, the tick stays
    blocked = tmp_path / "blocked.db-contest-notices"
    blocked.mkdir()
    unwritable = create_engine(f"sqlite:///{tmp_path / 'blocked.db'}")
    with Session(unwritable) as session:
        notices.announce(session, 2)
        session.commit()
    unwritable.dispose()


def test_a_host_action_rolled_back_is_never_heard_on_either_database(
    client: TestClient, world: World, session: Session, db: Engine, clock: FakeClock
) -> None:
    """The real host action on the suite's database (SQLite file or PostgreSQL): rolled back, it
    tells nobody. Notices arrive in order, so once a later one is heard the first would have been."""
    competition_id = live(client, world, session)
    watching = Watching(db)
    try:
        with Session(db) as acting:
            competition = acting.get(Competition, competition_id)
            host = acting.get(Person, world.a.people["trainer"].id)
            assert competition is not None and host is not None
            service.advance(acting, competition=competition, host=host, now=clock())
            acting.rollback()
        with Session(db) as later:
            notices.announce(later, competition_id + 1000)
            later.commit()
        assert watching.heard.wait_for(competition_id + 1000)
    finally:
        watching.stop()
    assert competition_id not in watching.heard.ids

"""The answering-core revision on a database that holds quizzes and meetings in the old tables:
every attempt and meeting gets its round, every question and answer arrives intact under the ids
the pages use, nothing that points at a meeting is lost, and the revision goes back down.

Runs on a scratch database of its own: a SQLite file, or (with POSTDRILL_TEST_DATABASE_URL) a
scratch PostgreSQL database next to the test one."""

import uuid
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta

import pytest
import sqlalchemy as sa
from alembic.config import Config
from sqlalchemy.engine import Engine, make_url
from sqlmodel import Session, select

from alembic import command
from app.cards.service import import_posts
from app.db import UTCDateTime, make_engine
from app.meeting import service as meetings
from app.meeting.models import Meeting, MeetingAttendee
from app.migrations import alembic_config
from app.org.models import Department, Enterprise, Industry, Person, Region, Role
from app.proposals.models import Proposal
from app.quiz import service as quizzes
from app.quiz.models import QuizAttempt
from app.rounds.models import Round, RoundAnswer, RoundQuestion
from app.settings import Settings
from tests.conftest import TEST_DATABASE_URL, TEST_SECRET
from tests.factories import minimal_post

BEFORE = "5ccd4baec4e3"  # the head before the answering core
T0 = datetime(2026, 3, 2, 8, 0, tzinfo=UTC)


@pytest.fixture
def scratch(tmp_path) -> Iterator[Engine]:
    if TEST_DATABASE_URL:
        name = f"postdrill_migration_{uuid.uuid4().hex[:8]}"
        server = sa.create_engine(TEST_DATABASE_URL, isolation_level="AUTOCOMMIT")
        with server.connect() as connection:
            connection.execute(sa.text(f'CREATE DATABASE "{name}"'))
        url = make_url(TEST_DATABASE_URL).set(database=name).render_as_string(hide_password=False)
    else:
        url = f"sqlite:///{tmp_path / 'old.db'}"
    engine = make_engine(Settings(database_url=url, secret_key=TEST_SECRET, instance_dir=tmp_path))
    yield engine
    engine.dispose()
    if TEST_DATABASE_URL:
        with server.connect() as connection:
            connection.execute(sa.text(f'DROP DATABASE "{name}"'))
        server.dispose()


def migrate(engine: Engine, revision: str, *, down: bool = False) -> None:
    config: Config = alembic_config(engine)
    with engine.begin() as connection:
        config.attributes["connection"] = connection
        (command.downgrade if down else command.upgrade)(config, revision)


def question_columns() -> list[sa.ColumnClause]:
    return [
        sa.column("position", sa.Integer),
        sa.column("question_key", sa.String),
        sa.column("family", sa.String),
        sa.column("type", sa.String),
        sa.column("dimension", sa.String),
        sa.column("stem", sa.String),
        sa.column("options", sa.JSON),
        sa.column("answer", sa.JSON),
        sa.column("explanation", sa.String),
        sa.column("source", sa.String),
        sa.column("quote", sa.String),
    ]


QUIZ_ATTEMPT = sa.table(
    "quiz_attempt",
    *[sa.column(c, sa.Integer) for c in ("id", "enterprise_id", "person_id", "post_id", "post_version", "seed")],
    sa.column("pass_mark", sa.Integer),
    sa.column("mode", sa.String),
    sa.column("from_notebook", sa.Boolean),
    sa.column("timed", sa.Boolean),
    sa.column("auto_submitted", sa.Boolean),
    sa.column("started_at", UTCDateTime()),
    sa.column("deadline", UTCDateTime()),
    sa.column("submitted_at", UTCDateTime()),
    sa.column("score", sa.Float),
    sa.column("passed", sa.Boolean),
    sa.column("by_dimension", sa.JSON),
)
ATTEMPT_QUESTION = sa.table(
    "attempt_question", sa.column("id", sa.Integer), sa.column("attempt_id", sa.Integer), *question_columns()
)
ATTEMPT_ANSWER = sa.table(
    "attempt_answer",
    *[sa.column(c, sa.Integer) for c in ("id", "attempt_id", "question_id")],
    sa.column("given", sa.JSON),
    sa.column("correct", sa.Boolean),
    sa.column("answered_at", UTCDateTime()),
)
MEETING = sa.table(
    "meeting",
    *[
        sa.column(c, sa.Integer)
        for c in ("id", "enterprise_id", "department_id", "post_id", "post_version", "leader_id", "seed")
    ],
    sa.column("question_count", sa.Integer),
    sa.column("code", sa.String),
    sa.column("started_at", UTCDateTime()),
    sa.column("ended_at", UTCDateTime()),
    sa.column("focus", sa.JSON),
)
MEETING_QUESTION = sa.table(
    "meeting_question", sa.column("id", sa.Integer), sa.column("meeting_id", sa.Integer), *question_columns()
)
MEETING_ATTENDEE = sa.table(
    "meeting_attendee",
    sa.column("meeting_id", sa.Integer),
    sa.column("person_id", sa.Integer),
    sa.column("joined_at", UTCDateTime()),
)
MEETING_ANSWER = sa.table(
    "meeting_answer",
    *[sa.column(c, sa.Integer) for c in ("id", "meeting_id", "person_id", "question_id")],
    sa.column("given", sa.JSON),
    sa.column("correct", sa.Boolean),
    sa.column("answered_at", UTCDateTime()),
)


def frozen(owner: str, owner_id: int, question_id: int, position: int, kind: str) -> dict[str, object]:
    return {
        "id": question_id,
        owner: owner_id,
        "position": position,
        "question_key": f"{kind}-{owner_id}-{position}",
        "family": "risk_hazard",
        "type": "single",
        "dimension": "risk",
        "stem": f"{kind} {owner_id} 第{position}题：进入储罐前先做什么？",
        "options": [{"key": "A", "text": "检测氧气浓度"}, {"key": "B", "text": "直接进入"}],
        "answer": ["A"],
        "explanation": "先检测后进入",
        "source": "risks.R1",
        "quote": "先检测后进入",
    }


def fill_old_database(engine: Engine) -> dict[str, int]:
    """Two attempts and two meetings whose ids (and question and answer ids) overlap, as they do
    in a real database; a proposal discussed at a meeting."""
    with Session(engine) as session:
        region = Region(code="R1", name="一区")
        session.add(region)
        session.flush()
        enterprise = Enterprise(
            code="ENTA", name="企业A", industry=Industry.non_coal_mine, region_id=region.id, dispatch_phone="023-1"
        )
        session.add(enterprise)
        session.flush()
        department = Department(enterprise_id=enterprise.id, name="一班")
        session.add(department)
        session.flush()
        people = {}
        for username, role in (("w1", Role.worker), ("w2", Role.worker), ("lead", Role.leader)):
            people[username] = Person(
                enterprise_id=enterprise.id,
                username=username,
                name=username,
                role=role,
                department_id=department.id,
                password_hash="x",
            )
            session.add(people[username])
        session.flush()
        [outcome] = import_posts(
            session, enterprise_id=enterprise.id, posts=[(minimal_post(), "p.yaml")], actor=None, now=T0, publish=True
        )
        ids = {
            "enterprise": enterprise.id,
            "department": department.id,
            "post": outcome.post.id,
            **{name: person.id for name, person in people.items()},
        }
        session.commit()
    attempt = {
        "enterprise_id": ids["enterprise"],
        "person_id": ids["w1"],
        "post_id": ids["post"],
        "post_version": 1,
        "seed": 1,
        "pass_mark": 80,
        "mode": "assessment",
        "from_notebook": False,
        "timed": True,
        "auto_submitted": False,
        "started_at": T0,
        "deadline": T0 + timedelta(minutes=15),
    }
    meeting = {
        "enterprise_id": ids["enterprise"],
        "department_id": ids["department"],
        "post_id": ids["post"],
        "post_version": 1,
        "leader_id": ids["lead"],
        "seed": 3,
        "question_count": 2,
        "focus": [{"key": "k", "line": "R1", "reasons": []}],
    }
    with engine.begin() as connection:
        connection.execute(
            sa.insert(QUIZ_ATTEMPT),
            [
                {**attempt, "id": 1, "submitted_at": T0 + timedelta(minutes=5), "score": 50.0, "passed": False},
                {**attempt, "id": 2, "mode": "practice", "submitted_at": None, "score": None, "passed": None},
            ],
        )
        connection.execute(
            sa.insert(ATTEMPT_QUESTION),
            [frozen("attempt_id", a, (a - 1) * 2 + p, p, "quiz") for a in (1, 2) for p in (1, 2)],
        )
        connection.execute(
            sa.insert(ATTEMPT_ANSWER),
            [
                {"id": 1, "attempt_id": 1, "question_id": 1, "given": ["A"], "correct": True, "answered_at": T0},
                {
                    "id": 2,
                    "attempt_id": 1,
                    "question_id": 2,
                    "given": ["B"],
                    "correct": False,
                    "answered_at": T0 + timedelta(minutes=1),
                },
                {"id": 3, "attempt_id": 2, "question_id": 3, "given": ["A"], "correct": True, "answered_at": T0},
            ],
        )
        connection.execute(
            sa.insert(MEETING),
            [
                {**meeting, "id": 1, "code": "123456", "started_at": T0, "ended_at": T0 + timedelta(minutes=6)},
                {**meeting, "id": 2, "code": "654321", "started_at": T0 + timedelta(days=1), "ended_at": None},
            ],
        )
        connection.execute(
            sa.insert(MEETING_QUESTION),
            [frozen("meeting_id", m, (m - 1) * 2 + p, p, "meeting") for m in (1, 2) for p in (1, 2)],
        )
        attendees = [(m, p) for m in (1, 2) for p in (ids["w1"], ids["w2"])]
        connection.execute(
            sa.insert(MEETING_ATTENDEE), [{"meeting_id": m, "person_id": p, "joined_at": T0} for m, p in attendees]
        )
        connection.execute(
            sa.insert(MEETING_ANSWER),
            [
                {
                    "id": 1,
                    "meeting_id": 1,
                    "person_id": ids["w1"],
                    "question_id": 1,
                    "given": ["A"],
                    "correct": True,
                    "answered_at": T0,
                },
                {
                    "id": 2,
                    "meeting_id": 1,
                    "person_id": ids["w2"],
                    "question_id": 1,
                    "given": ["B"],
                    "correct": False,
                    "answered_at": T0,
                },
                {
                    "id": 3,
                    "meeting_id": 1,
                    "person_id": ids["w1"],
                    "question_id": 2,
                    "given": ["A"],
                    "correct": True,
                    "answered_at": T0,
                },
            ],
        )
    with Session(engine) as session:
        proposal = Proposal(
            enterprise_id=ids["enterprise"],
            post_id=ids["post"],
            post_version=1,
            author_id=ids["w1"],
            kind="hazard",
            document="risks",
            text="罐口加装报警器",
            created_at=T0,
            meeting_id=1,
        )
        session.add(proposal)
        session.commit()
        ids["proposal"] = proposal.id or 0
    return ids


def test_quiz_and_meeting_rows_move_into_the_core_intact_and_back(scratch):
    migrate(scratch, BEFORE)
    ids = fill_old_database(scratch)
    migrate(scratch, "head")

    with Session(scratch) as session:
        rounds = {r.id: r for r in session.exec(select(Round)).all()}
        attempts = {a.id: a for a in session.exec(select(QuizAttempt)).all()}
        meetings_by_id = {m.id: m for m in session.exec(select(Meeting)).all()}
        assert set(attempts) == {1, 2} and set(meetings_by_id) == {1, 2}  # the ids in /quiz/… and /meetings/…
        assert len(rounds) == 4
        assert len(session.exec(select(RoundQuestion)).all()) == 8
        assert len(session.exec(select(RoundAnswer)).all()) == 6
        assert len(session.exec(select(MeetingAttendee)).all()) == 4  # not lost to a table rebuild
        assert session.get(Proposal, ids["proposal"]).meeting_id == 1

        # quizzes: round id = attempt id, question and answer ids unchanged, deadline and hand-in kept
        for attempt in attempts.values():
            round_ = rounds[attempt.round_id]
            assert attempt.round_id == attempt.id and round_.kind == "quiz"
            assert round_.closes_at == attempt.deadline and round_.grace_s == 2
            assert round_.closed_at == attempt.submitted_at and round_.opens_at == attempt.started_at
        assert [q.id for q in quizzes.questions_of(session, attempts[1])] == [1, 2]
        assert [q.id for q in quizzes.questions_of(session, attempts[2])] == [3, 4]
        assert quizzes.questions_of(session, attempts[2])[1].stem == "quiz 2 第2题：进入储罐前先做什么？"
        answered = quizzes.answers_of(session, attempts[1])
        assert {q: (a.id, a.given, a.correct, a.person_id) for q, a in answered.items()} == {
            1: (1, ["A"], True, ids["w1"]),
            2: (2, ["B"], False, ids["w1"]),
        }
        assert answered[2].answered_at == T0 + timedelta(minutes=1)
        assert set(quizzes.answers_of(session, attempts[2])) == {3}

        # meetings: their own rounds, questions in order with their content, every answer and who gave it
        for meeting in meetings_by_id.values():
            round_ = rounds[meeting.round_id]
            assert round_.kind == "meeting" and round_.closed_at == meeting.ended_at
            assert round_.closes_at == meeting.started_at + meetings.MAX_OPEN
        assert meetings_by_id[1].round_id != meetings_by_id[2].round_id
        assert not {m.round_id for m in meetings_by_id.values()} & set(attempts)
        first = meetings.results(session, meetings_by_id[1])
        assert [q.question.stem for q in first.questions] == [
            "meeting 1 第1题：进入储罐前先做什么？",
            "meeting 1 第2题：进入储罐前先做什么？",
        ]
        assert {a.name: a.marks for a in first.attendees} == {"w1": [True, True], "w2": [False, None]}
        assert [(q.answered, q.correct, q.chosen) for q in first.questions] == [
            (2, 1, {"A": 1, "B": 1}),
            (1, 1, {"A": 1, "B": 0}),
        ]
        assert [q.question.position for q in meetings.results(session, meetings_by_id[2]).questions] == [1, 2]

        # new rows continue after the moved ones (PostgreSQL's sequences were moved on)
        fresh = Round(kind="quiz", enterprise_id=ids["enterprise"], opens_at=T0, closes_at=T0)
        session.add(fresh)
        session.flush()
        content = {k: v for k, v in frozen("owner", 0, 0, 1, "new").items() if k not in ("owner", "id")}
        question = RoundQuestion(round_id=fresh.id, **content)
        session.add(question)
        session.flush()
        assert fresh.id > max(rounds) and question.id > 8
        session.rollback()

    migrate(scratch, BEFORE, down=True)
    with scratch.connect() as connection:
        count = lambda table: connection.execute(sa.text(f"SELECT COUNT(*) FROM {table}")).scalar_one()  # noqa: E731
        assert [count(t) for t in ("attempt_question", "attempt_answer", "meeting_question", "meeting_answer")] == [
            4,
            3,
            4,
            3,
        ]
        assert count("meeting_attendee") == 4
        rows = connection.execute(
            sa.select(ATTEMPT_ANSWER.c.id, ATTEMPT_ANSWER.c.attempt_id, ATTEMPT_ANSWER.c.question_id).order_by(
                ATTEMPT_ANSWER.c.id
            )
        ).all()
        assert [tuple(r) for r in rows] == [(1, 1, 1), (2, 1, 2), (3, 2, 3)]
        back = connection.execute(
            sa.select(MEETING_ANSWER.c.meeting_id, MEETING_ANSWER.c.person_id, MEETING_ANSWER.c.correct)
        ).all()
        assert sorted(tuple(r) for r in back) == sorted(
            [(1, ids["w1"], True), (1, ids["w2"], False), (1, ids["w1"], True)]
        )

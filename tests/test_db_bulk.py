"""Many rows in one statement (app/db_bulk.py): on PostgreSQL the answer writer's insert, the join
writer's insert and a batch's scoring send their rows as one JSON parameter; on SQLite the ordinary
statements. Either way the stored rows are the ones the ORM would store, a taken (question, person)
is skipped, and scoring adds to an entry as `add_points_many` promises. Run on both databases by
CI, so both branches are exercised."""

from datetime import UTC, datetime, timedelta

import pytest
from fastapi.testclient import TestClient
from sqlmodel import Session, select

from app import db_bulk
from app.contest import game, service
from app.contest.models import Entry
from app.rounds import fast
from app.rounds.models import RoundAnswer, RoundQuestion
from tests.conftest import World
from tests.test_contest_fast_join import entries, join, window


def joined_entry(client: TestClient, world: World, session: Session) -> tuple[Entry, list[RoundQuestion]]:
    competition_id = window(client, world, session)
    assert join(client, world.auth(world.a.people["worker"]), competition_id).status_code == 200
    [entry] = entries(session, competition_id)
    questions = list(
        session.exec(
            select(RoundQuestion).where(RoundQuestion.round_id == entry.round_id).order_by(RoundQuestion.position)
        ).all()
    )
    return entry, questions


def test_inserted_answers_read_back_as_given_and_a_taken_question_is_skipped(
    client: TestClient, world: World, session: Session
) -> None:
    entry, questions = joined_entry(client, world, session)
    moment = datetime(2026, 12, 3, 8, 30, 15, 123456, tzinfo=UTC)
    rows = [
        {
            "round_id": entry.round_id,
            "question_id": questions[0].id,
            "person_id": entry.person_id,
            "given": ["B", "A"],
            "correct": False,
            "answered_at": moment,
        },
        {
            "round_id": entry.round_id,
            "question_id": questions[1].id,
            "person_id": entry.person_id,
            "given": ["断电上锁，挂“禁止合闸”牌"],
            "correct": True,
            "answered_at": moment + timedelta(seconds=3),
        },
    ]
    with Session(session.get_bind()) as writing:
        inserted = fast.insert_answers(writing.connection(), rows)
        again = fast.insert_answers(writing.connection(), rows[:1])  # (question, person) taken
        writing.commit()
    assert sorted((question_id, person_id) for _, question_id, person_id in inserted) == sorted(
        (row["question_id"], row["person_id"]) for row in rows
    )
    assert again == []
    session.expire_all()
    stored = {
        answer.question_id: answer
        for answer in session.exec(select(RoundAnswer).where(RoundAnswer.person_id == entry.person_id)).all()
    }
    for row in rows:
        answer = stored[row["question_id"]]
        assert (answer.given, answer.correct, answer.answered_at) == (row["given"], row["correct"], row["answered_at"])


def test_scoring_a_batch_adds_to_each_entry(client: TestClient, world: World, session: Session) -> None:
    entry, _ = joined_entry(client, world, session)
    assert entry.id is not None
    window_scorings = [
        service.Scoring(entry.id, "window", correct=True, elapsed_ms=5_000, limit_ms=20_000, streak_bonus=False),
        service.Scoring(entry.id, "window", correct=False, elapsed_ms=3_000, limit_ms=20_000, streak_bonus=False),
    ]
    with Session(session.get_bind()) as writing:
        scored = service.add_points_many(writing, window_scorings)
        writing.commit()
    assert [(s.points, s.total) for s in scored] == [(game.WINDOW_POINTS, game.WINDOW_POINTS), (0, game.WINDOW_POINTS)]
    session.refresh(entry)
    # window: the time is the longest elapsed (since the attempt started), not a sum
    assert (entry.score, entry.correct, entry.answered, entry.time_ms, entry.streak) == (
        game.WINDOW_POINTS,
        1,
        2,
        5_000,
        0,
    )

    live_scorings = [
        service.Scoring(entry.id, "live", correct=True, elapsed_ms=1_200, limit_ms=10_000, streak_bonus=True),
        service.Scoring(entry.id, "live", correct=True, elapsed_ms=40_000, limit_ms=10_000, streak_bonus=True),
    ]
    first = game.live_points(correct=True, elapsed_ms=1_200, limit_ms=10_000) + game.streak_bonus(
        correct=True, streak_before=0
    )
    second = game.live_points(correct=True, elapsed_ms=40_000, limit_ms=10_000) + game.streak_bonus(
        correct=True, streak_before=1
    )
    with Session(session.get_bind()) as writing:
        scored = service.add_points_many(writing, live_scorings)
        writing.commit()
    total = game.WINDOW_POINTS + first + second
    assert [(s.points, s.total) for s in scored] == [(first, game.WINDOW_POINTS + first), (second, total)]
    session.refresh(entry)
    # live: each answer's time is added, capped at the question's limit
    assert (entry.score, entry.correct, entry.answered, entry.time_ms, entry.streak) == (total, 3, 4, 16_200, 2)


def test_the_json_parameter_refuses_a_naive_time_and_keeps_only_the_named_columns() -> None:
    columns = {"id": "integer", "at": "timestamptz"}
    assert db_bulk.recordset(columns) == "json_to_recordset(CAST(:rows AS json)) AS r(id integer, at timestamptz)"
    moment = datetime(2026, 12, 3, 16, 0, tzinfo=UTC)
    parameter = db_bulk.rows_parameter([{"id": 1, "at": moment, "other": "left out"}], columns)
    assert parameter == {"rows": '[{"id": 1, "at": "2026-12-03T16:00:00+00:00"}]'}
    with pytest.raises(ValueError, match="naive"):
        db_bulk.rows_parameter([{"id": 1, "at": datetime(2026, 12, 3, 16, 0)}], columns)

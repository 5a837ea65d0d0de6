"""How long the insight views take at district scale: 100 enterprises × 300 people (30,000 people,
about 1,000,000 assessment answers, sign-offs, pre-shift meetings, knowledge competitions with
their entries), on SQLite and PostgreSQL.
Writes bench/INSIGHT.md.

    .venv/bin/python bench/insight.py [--enterprises 100] [--people 300] [--runs 5] [--only sqlite|postgres]

Seeds a fresh database (migrated to head) with plain bulk inserts, then times in-process, median of
--runs after one warm-up: the regulator's region table (every enterprise), one enterprise's rates
(`enterprise_rates`: holdings, compile, dimensions, hardest lines, expiring), a leader's home (their
team's rates and people) and the evidence workbook of one enterprise. The baseline, measured the
same way in the same run, is a plain `SELECT count(*)` over the answers table: the ratio to it is
the figure to compare across runs on this shared machine. Targets (issue #12): under 1 s each, the
leader's home under 100 ms.
"""

import argparse
import os
import random
import statistics
import subprocess
import sys
import tempfile
import time
from collections.abc import Callable, Iterator, Sequence
from dataclasses import dataclass
from datetime import UTC, date, datetime, timedelta
from pathlib import Path

from sqlalchemy import insert, text
from sqlalchemy.engine import Engine
from sqlmodel import Session, select

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from app.cards.models import Post, PostVersion
from app.clock import zone
from app.contest.models import Competition, Entry
from app.db import make_engine
from app.drill.models import ChecklistRun
from app.home.service import home_view
from app.insight.facts import competitions_held
from app.insight.region import region_rows
from app.insight.service import enterprise_rates, evidence_export, visible_enterprises
from app.meeting.models import Meeting
from app.migrations import upgrade_to_head
from app.org.models import Department, Enterprise, Person, PersonPost, Region, Role
from app.quiz.models import QuizAttempt
from app.rounds.models import Round, RoundAnswer, RoundQuestion
from app.security import scope_for
from app.settings import Settings
from tests.factories import MINIMAL_POST

OUTPUT = Path(__file__).resolve().parent / "INSIGHT.md"
NOW = datetime(2026, 12, 3, 4, 0, tzinfo=UTC)
TEAMS, POSTS, KEY_POSTS, QUESTIONS = 10, 10, 8, 25
DIMENSIONS = ("risk", "duty", "operation", "emergency")
CHUNK = 5000


def chunks(rows: list[dict], size: int = CHUNK) -> Iterator[list[dict]]:
    for start in range(0, len(rows), size):
        yield rows[start : start + size]


def bulk(session: Session, model: type, rows: list[dict]) -> None:
    for part in chunks(rows):
        session.execute(insert(model), part)


def next_id(session: Session, model: type) -> int:
    return (session.exec(select(model.id).order_by(model.id.desc())).first() or 0) + 1  # type: ignore[attr-defined]


@dataclass
class Seeded:
    enterprises: int
    people: int
    attempts: int
    answers: int
    sign_offs: int
    meetings: int
    competitions: int
    entries: int
    seconds: float


def seed(engine: Engine, *, enterprises: int, people: int, rng: random.Random) -> Seeded:
    """Everything with explicit ids, inserted in bulk: 80 % of workers passed an assessment in the
    last year (some twice, some failed first), 60 % were signed off, every team held weekly meetings."""
    started = time.perf_counter()
    counts = {"attempts": 0, "answers": 0, "signs": 0, "meetings": 0}
    staff_of: dict[int, list[int]] = {}
    team_of: dict[int, int] = {}
    with Session(engine) as session:
        region = Region(code="R-BENCH", name="基准区")
        session.add(region)
        session.flush()
        person_id, post_id, version_id, team_id, round_id, question_id, answer_id = 1, 1, 1, 1, 1, 1, 1
        attempt_id, run_id, meeting_id = 1, 1, 1
        for number in range(enterprises):
            session.add(
                Enterprise(
                    id=number + 1,
                    code=f"E{number:03d}",
                    name=f"企业{number:03d}",
                    industry="non_coal_mine",
                    region_id=region.id,
                )
            )
        session.flush()
        for number in range(enterprises):
            enterprise_id = number + 1
            teams = list(range(team_id, team_id + TEAMS))
            bulk(session, Department, [{"id": t, "enterprise_id": enterprise_id, "name": f"{t}班"} for t in teams])
            team_id += TEAMS
            posts = list(range(post_id, post_id + POSTS))
            bulk(
                session,
                Post,
                [
                    {
                        "id": p,
                        "enterprise_id": enterprise_id,
                        "code": f"p{p}",
                        "name": f"岗位{p}",
                        "industry": "non_coal_mine",
                        "key_post": index < KEY_POSTS,
                        "latest_version": 1,
                        "published_version": 1,
                        "created_at": NOW,
                    }
                    for index, p in enumerate(posts)
                ],
            )
            post_id += POSTS
            staff = list(range(person_id, person_id + people))
            staff_of[enterprise_id] = staff
            team_of.update({p: teams[i % TEAMS] for i, p in enumerate(staff)})
            person_id += people
            bulk(
                session,
                Person,
                [
                    {
                        "id": p,
                        "enterprise_id": enterprise_id,
                        "department_id": teams[i % TEAMS],
                        "username": f"u{p}",
                        "name": f"员工{p}",
                        "role": Role.manager if i == 0 else Role.leader if i <= TEAMS else Role.worker,
                        "session_version": 0,
                        "active": i % 97 != 5,  # a few people who left
                        "created_at": NOW,
                    }
                    for i, p in enumerate(staff)
                ],
            )
            bulk(
                session,
                PostVersion,
                [
                    {
                        "id": version_id + i,
                        "post_id": p,
                        "number": 1,
                        "content_hash": f"h{p}",
                        "content": MINIMAL_POST,
                        "created_at": NOW,
                        "approved_by_id": staff[0] if i % 5 else None,
                        "review_due_on": date(2027, 6, 1),
                    }
                    for i, p in enumerate(posts)
                ],
            )
            version_id += POSTS
            bulk(session, PersonPost, [{"person_id": p, "post_id": posts[i % POSTS]} for i, p in enumerate(staff)])
            rounds, attempts, questions, answers, runs = [], [], [], [], []
            for i, p in enumerate(staff[1:], start=1):
                post = posts[i % POSTS]
                tries = 1 + (rng.random() < 0.6) if rng.random() < 0.85 else 0
                for attempt in range(tries):
                    at = NOW - timedelta(days=rng.randrange(1, 400), minutes=rng.randrange(600))
                    passed = attempt == tries - 1 and rng.random() < 0.9
                    rounds.append(
                        {
                            "id": round_id,
                            "kind": "quiz",
                            "enterprise_id": enterprise_id,
                            "opens_at": at - timedelta(minutes=20),
                            "closes_at": at,
                            "grace_s": 2,
                            "closed_at": at,
                        }
                    )
                    attempts.append(
                        {
                            "id": attempt_id,
                            "round_id": round_id,
                            "enterprise_id": enterprise_id,
                            "person_id": p,
                            "post_id": post,
                            "post_version": 1,
                            "mode": "assessment",
                            "from_notebook": False,
                            "seed": 1,
                            "pass_mark": 80,
                            "started_at": at - timedelta(minutes=20),
                            "deadline": at,
                            "timed": True,
                            "submitted_at": at,
                            "auto_submitted": False,
                            "score": 90.0 if passed else 60.0,
                            "passed": passed,
                        }
                    )
                    for position in range(QUESTIONS):
                        line = rng.randrange(12)
                        correct = rng.random() < (0.9 if passed else 0.6)
                        questions.append(
                            {
                                "id": question_id,
                                "round_id": round_id,
                                "position": position + 1,
                                "question_key": f"k{post}:{line}",
                                "family": "risk_practice_judge",
                                "type": "judge",
                                "dimension": DIMENSIONS[line % 4],
                                "stem": "判断：……",
                                "options": [],
                                "answer": ["T"],
                                "explanation": "",
                                "source": f"risks[R{line}].controls.management[0]",
                                "quote": f"第{line}条",
                            }
                        )
                        answers.append(
                            {
                                "id": answer_id,
                                "round_id": round_id,
                                "question_id": question_id,
                                "person_id": p,
                                "given": ["T" if correct else "F"],
                                "correct": correct,
                                "answered_at": at - timedelta(minutes=QUESTIONS - position),
                            }
                        )
                        question_id += 1
                        answer_id += 1
                    round_id += 1
                    attempt_id += 1
                if rng.random() < 0.6:
                    at = NOW - timedelta(days=rng.randrange(1, 400))
                    runs.append(
                        {
                            "id": run_id,
                            "enterprise_id": enterprise_id,
                            "person_id": p,
                            "post_id": post,
                            "post_version": 1,
                            "started_at": at,
                            "start_known": True,
                            "finished_at": at,
                            "received_at": at,
                            "signed_by_id": staff[1],
                            "signed_at": at,
                        }
                    )
                    run_id += 1
            meetings, meeting_rounds = [], []
            for week in range(8):
                for t_index, team in enumerate(teams):
                    at = NOW - timedelta(days=7 * week + 1)
                    meeting_rounds.append(
                        {
                            "id": round_id,
                            "kind": "meeting",
                            "enterprise_id": enterprise_id,
                            "opens_at": at,
                            "closes_at": at + timedelta(hours=1),
                            "grace_s": 0,
                            "closed_at": at,
                        }
                    )
                    meetings.append(
                        {
                            "id": meeting_id,
                            "round_id": round_id,
                            "enterprise_id": enterprise_id,
                            "department_id": team,
                            "post_id": posts[t_index % POSTS],
                            "post_version": 1,
                            "leader_id": staff[1 + t_index],
                            "code": f"{meeting_id % 1000000:06d}",
                            "seed": 1,
                            "question_count": 3,
                            "started_at": at,
                            "ended_at": at + timedelta(minutes=15),
                            "focus": [],
                        }
                    )
                    round_id += 1
                    meeting_id += 1
            bulk(session, Round, rounds + meeting_rounds)
            bulk(session, QuizAttempt, attempts)
            bulk(session, RoundQuestion, questions)
            bulk(session, RoundAnswer, answers)
            bulk(session, ChecklistRun, runs)
            bulk(session, Meeting, meetings)
            session.commit()
            counts["attempts"] += len(attempts)
            counts["answers"] += len(answers)
            counts["signs"] += len(runs)
            counts["meetings"] += len(meetings)
        competitions, entries = seed_competitions(
            session, staff_of, team_of, region_id=region.id, round_id=round_id, rng=rng
        )
        session.commit()
        if engine.dialect.name == "postgresql":  # explicit ids: move the sequences past them
            for table in (
                "competition",
                "competition_entry",
                "region",
                "enterprise",
                "department",
                "post",
                "post_version",
                "person",
                "round",
                "quiz_attempt",
                "round_question",
                "round_answer",
                "checklist_run",
                "meeting",
            ):
                session.execute(
                    text(f"SELECT setval(pg_get_serial_sequence('{table}', 'id'), (SELECT max(id) FROM {table}))")
                )
            session.execute(text("ANALYZE"))
        else:
            session.execute(text("ANALYZE"))
        session.commit()
    return Seeded(
        enterprises,
        enterprises * people,
        counts["attempts"],
        counts["answers"],
        counts["signs"],
        counts["meetings"],
        competitions,
        entries,
        time.perf_counter() - started,
    )


def seed_competitions(
    session: Session,
    staff_of: dict[int, list[int]],
    team_of: dict[int, int],
    *,
    region_id: int,
    round_id: int,
    rng: random.Random,
) -> tuple[int, int]:
    """Two window competitions per enterprise in the last 400 days (70 % of its staff took part)
    and three region competitions (a finished live game, two window ones; half of everybody), one
    entry per person; papers are bare rounds (the insight views read entries, not answers)."""
    plans: list[tuple[str, int | None, str, datetime, float]] = []  # scope, enterprise, mode, end, share
    for enterprise_id in staff_of:
        for _ in range(2):
            plans.append(("enterprise", enterprise_id, "window", NOW - timedelta(days=rng.randrange(1, 400)), 0.7))
    for days in (20, 200, 380):
        plans.append(("region", None, "live" if days == 20 else "window", NOW - timedelta(days=days), 0.5))
    competitions, rounds, entries = [], [], []
    for number, (scope, enterprise_id, mode, ends_at, share) in enumerate(plans, start=1):
        starts_at = ends_at - timedelta(days=3)
        rounds.append(
            {
                "id": round_id,
                "kind": "contest",
                # a region paper names the enterprise whose cards it asks (round.enterprise_id is NOT NULL)
                "enterprise_id": enterprise_id if enterprise_id is not None else min(staff_of),
                "opens_at": starts_at,
                "closes_at": ends_at,
                "grace_s": 5,
                "closed_at": ends_at,
            }
        )
        competitions.append(
            {
                "id": number,
                "title": f"知识竞赛{number}",
                "scope": scope,
                "enterprise_id": enterprise_id,
                "region_id": region_id,
                "created_by": staff_of[enterprise_id or 1][0],
                "mode": mode,
                "post_ids": [],
                "question_count": 20,
                "seconds_per_question": 20,
                "starts_at": starts_at,
                "ends_at": ends_at,
                "attempts_allowed": 1,
                "streak_bonus": False,
                "code": f"{number:06d}",
                "seed": number,
                "created_at": starts_at,
                "phase": "finished" if mode == "live" else "lobby",
                "position": 0,
                "state_version": 0,
                "finished_at": ends_at if mode == "live" else None,
            }
        )
        for enterprise, staff in staff_of.items():
            if enterprise_id not in (None, enterprise):
                continue
            for person in staff:
                if rng.random() < share:
                    correct = rng.randrange(21)
                    entries.append(
                        {
                            "competition_id": number,
                            "person_id": person,
                            "enterprise_id": enterprise,
                            "department_id": team_of[person],
                            "attempt": 1,
                            "round_id": round_id,
                            "started_at": starts_at,
                            "deadline": ends_at,
                            "score": correct * 10,
                            "correct": correct,
                            "answered": 20,
                            "time_ms": rng.randrange(60_000, 400_000),
                            "streak": 0,
                        }
                    )
        round_id += 1
    bulk(session, Round, rounds)
    bulk(session, Competition, competitions)
    bulk(session, Entry, entries)
    return len(competitions), len(entries)


def timed(action: Callable[[], object], runs: int) -> float:
    action()  # warm-up: caches, the query planner
    times = []
    for _ in range(runs):
        started = time.perf_counter()
        action()
        times.append(time.perf_counter() - started)
    return statistics.median(times)


def measure(engine: Engine, runs: int) -> list[tuple[str, float]]:
    with Session(engine) as session:
        enterprise = session.get_one(Enterprise, 1)
        regulator = Person(region_id=enterprise.region_id, username="reg", name="监管", role=Role.regulator)
        session.add(regulator)
        session.commit()
        leader = session.exec(select(Person).where(Person.enterprise_id == 1, Person.role == Role.leader)).first()
        assert leader is not None
        scope = scope_for(session, regulator)

        def fresh(action: Callable[[Session], object]) -> Callable[[], object]:
            def run() -> object:
                with Session(engine) as own:  # a request's own session: nothing cached between runs
                    return action(own)

            return run

        return [
            (
                "baseline: SELECT count(*) FROM round_answer",
                timed(fresh(lambda s: s.execute(text("SELECT count(*) FROM round_answer")).scalar_one()), runs),
            ),
            (
                "region table (every enterprise)",
                timed(fresh(lambda s: region_rows(s, visible_enterprises(s, scope.enterprise_ids), now=NOW)), runs),
            ),
            (
                "competitions held this year (every enterprise, one query)",
                timed(
                    fresh(
                        lambda s: competitions_held(
                            s,
                            zones={e.id: zone(e.time_zone) for e in visible_enterprises(s, scope.enterprise_ids)},
                            now=NOW,
                        )
                    ),
                    runs,
                ),
            ),
            (
                "one enterprise's rates",
                timed(fresh(lambda s: enterprise_rates(s, enterprise=s.get_one(Enterprise, 1), now=NOW)), runs),
            ),
            (
                "leader's home (team rates and people)",
                timed(
                    fresh(
                        lambda s: home_view(
                            s,
                            person=s.get_one(Person, leader.id),
                            scope=scope_for(s, s.get_one(Person, leader.id)),
                            now=NOW,
                        )
                    ),
                    runs,
                ),
            ),
            (
                "evidence workbook (one enterprise)",
                timed(
                    fresh(lambda s: evidence_export(s, enterprise=s.get_one(Enterprise, 1), department=None, now=NOW)),
                    runs,
                ),
            ),
        ]


def postgres_database() -> tuple[str, Callable[[], None]]:
    name = f"postdrill_insight_{os.getpid()}"
    subprocess.run(
        ["psql", "-h", "127.0.0.1", "-U", "root", "-d", "test", "-qc", f'CREATE DATABASE "{name}"'], check=True
    )

    def drop() -> None:
        subprocess.run(
            [
                "psql",
                "-h",
                "127.0.0.1",
                "-U",
                "root",
                "-d",
                "test",
                "-qc",
                f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)',
            ],
            check=False,
        )

    return f"postgresql+psycopg://root@127.0.0.1:5432/{name}", drop


def run_one(kind: str, args: argparse.Namespace) -> tuple[Seeded, list[tuple[str, float]]]:
    folder = Path(tempfile.mkdtemp(prefix="insight-bench-"))
    drop: Callable[[], None] = lambda: None  # noqa: E731
    url = f"sqlite:///{folder / 'bench.db'}"
    if kind == "postgres":
        url, drop = postgres_database()
    try:
        engine = make_engine(Settings(instance_dir=folder, database_url=url, secret_key="bench"))
        upgrade_to_head(engine)
        seeded = seed(engine, enterprises=args.enterprises, people=args.people, rng=random.Random(7))
        print(f"{kind}: seeded {seeded.answers:,} answers in {seeded.seconds:.0f} s", file=sys.stderr)
        return seeded, measure(engine, args.runs)
    finally:
        drop()


def table(kind: str, seeded: Seeded, timings: Sequence[tuple[str, float]]) -> str:
    baseline = timings[0][1]
    lines = [
        f"### {kind}: {seeded.enterprises} enterprises, {seeded.people:,} people, {seeded.attempts:,} assessments, "
        f"{seeded.answers:,} answers, {seeded.sign_offs:,} sign-offs, {seeded.meetings:,} meetings, {seeded.competitions:,} competitions with {seeded.entries:,} entries "
        f"(seeded in {seeded.seconds:.0f} s)",
        "",
        "| view | median | × the count baseline |",
        "|---|--:|--:|",
    ]
    lines += [f"| {name} | {seconds * 1000:,.0f} ms | {seconds / baseline:,.1f} × |" for name, seconds in timings]
    return "\n".join(lines)


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--enterprises", type=int, default=100)
    parser.add_argument("--people", type=int, default=300)
    parser.add_argument("--runs", type=int, default=5)
    parser.add_argument("--only", choices=("sqlite", "postgres"))
    parser.add_argument("--output", type=Path, default=OUTPUT)
    args = parser.parse_args(argv)
    parts = [
        "# Insight at district scale",
        "",
        f"`{' '.join(['bench/insight.py', *(argv if argv is not None else sys.argv[1:])])}` on {datetime.now(UTC):%Y-%m-%d %H:%M} UTC; "
        "in-process timings, median of the runs after a warm-up; see the script's docstring.",
        "",
    ]
    for kind in ("sqlite", "postgres"):
        if args.only and args.only != kind:
            continue
        seeded, timings = run_one(kind, args)
        parts += [table(kind, seeded, timings), ""]
        print(parts[-2])
    args.output.write_text("\n".join(parts))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())

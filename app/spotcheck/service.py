"""Drawing, answering and finishing a spot check. The draw is the server's, unpredictable to the
enterprise (a system random source): a key-post worker of the enterprise (or team) whose post has at
least five approved questions, then five of them, balanced over the four dimensions."""

import random
import secrets
from collections.abc import Sequence
from datetime import datetime, timedelta

from sqlmodel import Session, col, select

from app.cards import service as cards
from app.cards.models import Post
from app.errors import Conflict
from app.insight import facts
from app.org.models import Enterprise, Person
from app.questions import review
from app.questions.model import Question
from app.quiz import logic, policy
from app.rounds import service as rounds
from app.rounds.models import Round, RoundAnswer, RoundQuestion
from app.rounds.outcomes import Outcome
from app.spotcheck.models import SpotCheck

QUESTIONS = 5
TIME_ALLOWED = timedelta(minutes=15)
GRACE = timedelta(seconds=5)
RULES = rounds.AnswerRules(
    repeat="first_result",
    changed="这道题已经作答，抽查不能改答案",
    closed="这次抽查已经结束，不能再作答",
)


def draw(
    session: Session,
    *,
    inspector: Person,
    enterprise: Enterprise,
    department_id: int | None,
    now: datetime,
    chooser: random.Random | None = None,
) -> tuple[SpotCheck, list[RoundQuestion]]:
    assert enterprise.id is not None and inspector.id is not None
    chooser = chooser or secrets.SystemRandom()
    rules = policy.get(session, enterprise_id=enterprise.id)
    holdings = facts.key_holdings(
        session, enterprise_id=enterprise.id, department_id=department_id, now=now, validity_days=rules.validity_days
    )
    posts = {
        post.id: post
        for post in session.exec(
            select(Post).where(
                col(Post.id).in_({h.post_id for h in holdings} or {-1}), col(Post.published_version).is_not(None)
            )
        ).all()
    }
    pools: dict[int, list[Question]] = {}
    candidates = []
    for holding in holdings:
        post = posts.get(holding.post_id)
        if post is None or holding.person_id == inspector.id:
            continue
        if post.id not in pools:
            stored = cards.version(session, post, post.published_version or 0)
            pool = review.assessment_pool(session, post, stored) if stored else []
            # five questions on five different card items (a quiz's rule), or the post cannot be checked
            enough = len(logic.choose_balanced(pool, QUESTIONS, random.Random(0))) == QUESTIONS
            pools[post.id or 0] = pool if enough else []
        if pools[post.id or 0]:
            candidates.append(holding)
    if not candidates:
        raise Conflict("没有可抽查的人员：需要重点岗位在岗员工，且其岗位有 5 道以上审核通过、出自不同条目的考试题")
    holding = chooser.choice(candidates)
    post = posts[holding.post_id]
    seed = chooser.randrange(2**31)
    rng = random.Random(seed)
    chosen = logic.choose_balanced(pools[holding.post_id], QUESTIONS, rng)
    round_ = rounds.open_round(
        session, kind="spot", enterprise_id=enterprise.id, opens_at=now, closes_at=now + TIME_ALLOWED, grace=GRACE
    )
    check = SpotCheck(
        round_id=round_.id or 0,
        enterprise_id=enterprise.id,
        department_id=department_id,
        inspector_id=inspector.id,
        person_id=holding.person_id,
        post_id=post.id or 0,
        post_version=post.published_version or 0,
        pass_mark=rules.pass_mark,
        started_at=now,
    )
    session.add(check)
    session.flush()
    return check, rounds.freeze(session, round_, chosen, rng)


def questions_of(session: Session, check: SpotCheck) -> list[RoundQuestion]:
    return rounds.questions_of(session, check.round_id)


def answers_of(session: Session, check: SpotCheck) -> dict[int, RoundAnswer]:
    return rounds.answers_of(session, check.round_id, person_id=check.person_id)


def record_answer(
    session: Session, *, check: SpotCheck, question_id: int, given: list[str] | str, now: datetime
) -> Outcome:
    """The drawn worker's answer, given on the inspector's phone."""
    round_ = rounds.lock(session, session.get_one(Round, check.round_id))
    return rounds.record_answer(
        session, round_=round_, person_id=check.person_id, question_id=question_id, given=given, now=now, rules=RULES
    )


def finish(session: Session, *, check: SpotCheck, now: datetime) -> SpotCheck:
    """Grade once (unanswered questions count as wrong); finishing again returns the same result."""
    round_ = rounds.lock(session, session.get_one(Round, check.round_id))
    session.refresh(check)
    if rounds.close_once(session, round_, at=now):
        answers = answers_of(session, check)
        results = [(q.dimension, q.id in answers and answers[q.id].correct) for q in questions_of(session, check)]
        graded = logic.grade(results)
        check.finished_at = now
        check.score = graded.score
        check.passed = graded.score >= check.pass_mark
        session.add(check)
        session.flush()
    return check


def visible(session: Session, *, enterprise_ids: frozenset[int] | None, check_id: int) -> SpotCheck | None:
    check = session.get(SpotCheck, check_id)
    if check is None or (enterprise_ids is not None and check.enterprise_id not in enterprise_ids):
        return None
    return check


def recent(session: Session, *, enterprise_ids: Sequence[int], limit: int = 20) -> list[SpotCheck]:
    return list(
        session.exec(
            select(SpotCheck)
            .where(col(SpotCheck.enterprise_id).in_(enterprise_ids or [-1]))
            .order_by(col(SpotCheck.started_at).desc())
            .limit(limit)
        ).all()
    )

"""What is measured: one small declarative `Benchmark` per endpoint.

To add one, append a Benchmark to BENCHMARKS with its method, path (fixed, or a generator for
request number i) and a body and/or headers generator; `variants` says how many different requests
wrk cycles through. Anything it needs from the server (tokens, ids, fresh quiz questions) belongs on
`Target`, filled in by `prepare_target` once per server. A `single_use` benchmark (answering a
question, submitting an attempt) never sends the same request twice: the runner gives its sample
check, its warm-up and its measurement separate slices of the variants.
"""

import json
import math
from collections.abc import Callable, Iterable, Sequence
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from typing import TypeVar

import httpx
from loadgen import HttpRequest

DEMO_ENTERPRISE = "DEMO"
DEMO_PASSWORD = "demo12345"
DEMO_WORKERS = tuple(f"worker{number:02d}" for number in range(1, 31))
T = TypeVar("T")

# Single-use requests (answering a question, submitting an attempt) are prepared for the fastest
# rate either endpoint plausibly reaches here (about twice the best seen), for the warm-up plus
# the measurement; the runner fails the endpoint loudly when wrk sends more than was prepared.
ANSWERS_PER_S_CEILING = 500
SUBMITS_PER_S_CEILING = 200
QUESTIONS_PER_ANSWER_ATTEMPT = 100  # the most an assessment policy allows
ANSWER_ATTEMPT_TIME_LIMIT_S = 7200  # the longest a policy allows: no attempt expires during the run
SUBMIT_ATTEMPT_QUESTIONS = 20  # an assessment of the default size
ANSWERS_PER_SUBMIT_ATTEMPT = 3  # "a few answers": some right, some wrong, most unanswered
HISTORY_ASSESSMENTS = 3  # submitted assessments per worker before anything is measured (progress)
HISTORY_PRACTICES = 2  # submitted practice quizzes per worker
PREPARE_CONCURRENCY = 8  # parallel preparation requests, so both server workers are busy
SAMPLE_CHECKS = 3  # requests sent once before measuring, to fail loudly on a wrong path or body
FILL_ANSWER = "答案"  # a well-formed (and wrong) fill-in answer


@dataclass(frozen=True)
class FreshQuestion:
    """One not yet answered question of an open assessment attempt, and a well-formed answer."""

    worker: int  # index into DEMO_WORKERS and Target.worker_tokens
    attempt_id: int
    question_id: int
    answer: list[str] | str


@dataclass(frozen=True)
class OpenAttempt:
    """An open (not submitted) assessment attempt with a few answers, for the submit benchmark."""

    worker: int
    attempt_id: int


@dataclass(frozen=True)
class Target:
    """A running server loaded with `postdrill demo`, and what the benchmarks need from it."""

    base_url: str
    worker_tokens: tuple[str, ...]  # one bearer token per demo worker, in DEMO_WORKERS order
    post_ids: tuple[int, ...] = ()  # each worker's own post (GET /api/me → posts[0].id)
    # Single-use material, interleaved over the workers (request i is worker i % 30's) so that
    # concurrent requests belong to different workers, as they would in real life:
    fresh_questions: tuple[FreshQuestion, ...] = ()  # each may be answered once (a second answer is 409)
    open_attempts: tuple[OpenAttempt, ...] = ()  # each is graded by its first submit only


@dataclass(frozen=True)
class Benchmark:
    name: str
    method: str
    # A fixed path, or request number i's path (e.g. the attempt it answers); ASCII only.
    path: str | Callable[[Target, int], str]
    description: str
    # Request number i (0 <= i < variants): its JSON body and extra headers.
    body: Callable[[Target, int], object] | None = None
    headers: Callable[[Target, int], dict[str, str]] | None = None
    # How many different requests: a number, or counted from what prepare_target made.
    variants: int | Callable[[Target], int] = 1
    expected_status: int = 200
    # True when a request may be sent only once (answer a question, grade an attempt): the check,
    # warm-up and measurement then get disjoint slices of the variants, and wrk must not wrap.
    single_use: bool = False
    # True when it needs the quiz data prepare_target makes (history, fresh questions, open attempts:
    # a minute or two per server), so a run without such benchmarks skips making it.
    needs_quiz_data: bool = False

    def variant_count(self, target: Target) -> int:
        return self.variants(target) if callable(self.variants) else self.variants

    def requests(self, target: Target, numbers: Iterable[int] | None = None) -> list[HttpRequest]:
        chosen = range(self.variant_count(target)) if numbers is None else numbers
        return [self.request(target, number) for number in chosen]

    def request(self, target: Target, number: int) -> HttpRequest:
        headers = dict(self.headers(target, number)) if self.headers else {}
        body = None
        if self.body is not None:
            body = json.dumps(self.body(target, number), ensure_ascii=False)
            headers.setdefault("Content-Type", "application/json")
        path = self.path(target, number) if callable(self.path) else self.path
        return HttpRequest(method=self.method, path=path, headers=headers, body=body)


def login_body(username: str) -> dict[str, str]:
    return {"enterprise_code": DEMO_ENTERPRISE, "username": username, "password": DEMO_PASSWORD}


def bearer(token: str) -> dict[str, str]:
    return {"Authorization": f"Bearer {token}"}


def fresh_question(target: Target, number: int) -> FreshQuestion:
    return target.fresh_questions[number]


def open_attempt(target: Target, number: int) -> OpenAttempt:
    return target.open_attempts[number]


HEALTHZ = Benchmark(
    name="GET /healthz",
    method="GET",
    path="/healthz",
    description="baseline: routing, middleware and one `SELECT 1`",
)

BENCHMARKS = (
    HEALTHZ,
    Benchmark(
        name="POST /api/auth/login",
        method="POST",
        path="/api/auth/login",
        description="argon2 verify (deliberately slow) + throttle rows + JWT",
        # Cycling through all 30 workers keeps any one account far from its lockout; every
        # login must succeed, because failures also count against the (shared) client address.
        body=lambda target, number: login_body(DEMO_WORKERS[number]),
        variants=len(DEMO_WORKERS),
    ),
    Benchmark(
        name="GET /api/me",
        method="GET",
        path="/api/me",
        description="JWT check + person, enterprise, region, team and posts lookups",
        headers=lambda target, number: bearer(target.worker_tokens[number]),
        variants=len(DEMO_WORKERS),
    ),
    # Measured before the quiz writes below, so it always sees the same, prepared data.
    Benchmark(
        name="GET /api/me/progress",
        method="GET",
        path="/api/me/progress",
        description=(
            f"per-post progress of a worker with the prepared data ({HISTORY_ASSESSMENTS} submitted assessments, "
            f"{HISTORY_PRACTICES} submitted practice quizzes and the open attempts made for the two benchmarks "
            "below: about 100 attempts, 2,400 frozen questions, 340 answers per worker), measured before the "
            "quiz writes so the data does not depend on their rates: posts, attempts, answers-by-dimension "
            "join over every frozen question, notebook count"
        ),
        headers=lambda target, number: bearer(target.worker_tokens[number]),
        variants=len(DEMO_WORKERS),
        needs_quiz_data=True,
    ),
    Benchmark(
        name="POST /api/quizzes",
        method="POST",
        path="/api/quizzes",
        description=(
            "start a 10-question practice quiz on the worker's own post: question pool (generated "
            "questions cached per process, peers' cards read every time), balanced choice, 10 rows "
            "frozen, the quiz returned"
        ),
        body=lambda target, number: {"post_id": target.post_ids[number], "mode": "practice", "count": 10},
        headers=lambda target, number: bearer(target.worker_tokens[number]),
        variants=len(DEMO_WORKERS),
        expected_status=201,
    ),
    Benchmark(
        name="POST /api/quizzes/{id}/answers",
        method="POST",
        path=lambda target, number: f"/api/quizzes/{fresh_question(target, number).attempt_id}/answers",
        description=(
            "the hot path: one answer to a question never answered before (prepared open assessments "
            f"of {QUESTIONS_PER_ANSWER_ATTEMPT} questions), shape-checked, stored, wrong-answer "
            "notebook updated; single-use, so check, warm-up and measurement answer different questions"
        ),
        body=lambda target, number: {
            "question_id": fresh_question(target, number).question_id,
            "answer": fresh_question(target, number).answer,
        },
        headers=lambda target, number: bearer(target.worker_tokens[fresh_question(target, number).worker]),
        variants=lambda target: len(target.fresh_questions),
        single_use=True,
        needs_quiz_data=True,
    ),
    Benchmark(
        name="POST /api/quizzes/{id}/submit",
        method="POST",
        path=lambda target, number: f"/api/quizzes/{open_attempt(target, number).attempt_id}/submit",
        description=(
            f"grading: every measured request submits a fresh open assessment ({SUBMIT_ATTEMPT_QUESTIONS} "
            f"questions, {ANSWERS_PER_SUBMIT_ATTEMPT} answered), so each one really grades (a repeated "
            "submit would only return the stored result); then the review of all questions is returned"
        ),
        headers=lambda target, number: bearer(target.worker_tokens[open_attempt(target, number).worker]),
        variants=lambda target: len(target.open_attempts),
        single_use=True,
        needs_quiz_data=True,
    ),
)


# --- preparing a server --------------------------------------------------------------------------


def log_in(client: httpx.Client, username: str) -> str:
    response = client.post("/api/auth/login", json=login_body(username))
    response.raise_for_status()
    return response.json()["access_token"]


def checked(response: httpx.Response, expected: int) -> dict:
    if response.status_code != expected:
        raise RuntimeError(
            f"preparing: {response.request.method} {response.request.url.path} answered "
            f"{response.status_code}, expected {expected}: {response.text[:300]}"
        )
    return response.json()


def well_formed_answer(question: dict) -> list[str] | str:
    """An answer of the right shape for the question's type (right or wrong does not matter)."""
    keys = [option["key"] for option in question["options"]]
    if question["type"] == "fill":
        return FILL_ANSWER
    if question["type"] == "order":
        return keys  # all keys, in the order shown
    return keys[:1]  # single, judge, multi: the first option


@dataclass(frozen=True)
class Preparation:
    """How much single-use material one server gets. The same in every configuration (not scaled
    by server workers), so that GET /api/me/progress always sees the same data."""

    answer_attempts_per_worker: int
    submit_attempts_per_worker: int

    @classmethod
    def for_load(cls, load_seconds: float, connections: int) -> "Preparation":
        def needed(rate: float) -> float:
            # wrk at `rate` for warm-up + measurement, the requests in flight at each of the two
            # stops, and 15 % slack (the runner refuses a run that used over 90 % of a slice).
            return (rate * load_seconds + 2 * connections) / 0.85 + SAMPLE_CHECKS

        people = len(DEMO_WORKERS)
        return cls(
            answer_attempts_per_worker=math.ceil(needed(ANSWERS_PER_S_CEILING) / QUESTIONS_PER_ANSWER_ATTEMPT / people),
            submit_attempts_per_worker=math.ceil(needed(SUBMITS_PER_S_CEILING) / people),
        )


def prepare_target(
    base_url: str, *, load_seconds: float = 12.0, connections: int = 50, quiz_data: bool = True
) -> Target:
    """Everything the benchmarks need from a fresh demo server, made once, before any measurement:
    tokens and posts of the 30 workers, a small submitted history per worker, fresh questions to
    answer and open attempts to submit (enough for `load_seconds` of warm-up plus measurement at
    `connections`). Without `quiz_data`, only the tokens and posts."""
    preparation = Preparation.for_load(load_seconds, connections)
    limits = httpx.Limits(max_connections=PREPARE_CONCURRENCY)
    with (
        httpx.Client(base_url=base_url, timeout=120, limits=limits) as client,
        ThreadPoolExecutor(PREPARE_CONCURRENCY) as pool,
    ):
        tokens = tuple(log_in(client, username) for username in DEMO_WORKERS)
        post_ids = tuple(
            checked(client.get("/api/me", headers=bearer(token)), 200)["posts"][0]["id"] for token in tokens
        )
        if not quiz_data:
            return Target(base_url=base_url, worker_tokens=tokens, post_ids=post_ids)
        workers = range(len(DEMO_WORKERS))

        trainer = bearer(log_in(client, "trainer"))
        usual_policy = checked(client.get("/api/assessment-policy", headers=trainer), 200)

        def assessment_policy(question_count: int, time_limit_s: int) -> None:
            """An assessment's size and time are the enterprise's policy, set by its trainer."""
            body = {**usual_policy, "question_count": question_count, "time_limit_s": time_limit_s}
            checked(client.put("/api/assessment-policy", json=body, headers=trainer), 200)

        def start(worker: int, mode: str, count: int) -> dict:
            body: dict[str, object] = {"post_id": post_ids[worker], "mode": mode}
            if mode == "practice":
                body["count"] = count
            return checked(client.post("/api/quizzes", json=body, headers=bearer(tokens[worker])), 201)

        def answer(worker: int, quiz: dict, questions: Sequence[dict]) -> None:
            for question in questions:
                body = {"question_id": question["id"], "answer": well_formed_answer(question)}
                path = f"/api/quizzes/{quiz['attempt_id']}/answers"
                checked(client.post(path, json=body, headers=bearer(tokens[worker])), 200)

        def history(worker: int) -> None:
            for mode, count in [("assessment", 20)] * HISTORY_ASSESSMENTS + [("practice", 10)] * HISTORY_PRACTICES:
                quiz = start(worker, mode, count)
                answer(worker, quiz, quiz["questions"][: count // 2])
                path = f"/api/quizzes/{quiz['attempt_id']}/submit"
                checked(client.post(path, headers=bearer(tokens[worker])), 200)

        def answer_attempts(worker: int) -> list[FreshQuestion]:
            fresh = []
            for _ in range(preparation.answer_attempts_per_worker):
                quiz = start(worker, "assessment", QUESTIONS_PER_ANSWER_ATTEMPT)
                fresh += [
                    FreshQuestion(worker, quiz["attempt_id"], question["id"], well_formed_answer(question))
                    for question in quiz["questions"]
                ]
            return fresh

        def submit_attempts(worker: int) -> list[OpenAttempt]:
            attempts = []
            for _ in range(preparation.submit_attempts_per_worker):
                quiz = start(worker, "assessment", SUBMIT_ATTEMPT_QUESTIONS)
                answer(worker, quiz, quiz["questions"][:ANSWERS_PER_SUBMIT_ATTEMPT])
                attempts.append(OpenAttempt(worker, quiz["attempt_id"]))
            return attempts

        assessment_policy(SUBMIT_ATTEMPT_QUESTIONS, ANSWER_ATTEMPT_TIME_LIMIT_S)
        list(pool.map(history, workers))
        open_by_worker = list(pool.map(submit_attempts, workers))
        assessment_policy(QUESTIONS_PER_ANSWER_ATTEMPT, ANSWER_ATTEMPT_TIME_LIMIT_S)
        fresh_by_worker = list(pool.map(answer_attempts, workers))
        assessment_policy(usual_policy["question_count"], usual_policy["time_limit_s"])
    return Target(
        base_url=base_url,
        worker_tokens=tokens,
        post_ids=post_ids,
        fresh_questions=interleave(fresh_by_worker),
        open_attempts=interleave(open_by_worker),
    )


def interleave(per_worker: Sequence[Sequence[T]]) -> tuple[T, ...]:
    """Item i belongs to worker i % workers: neighbours in wrk's cycle are different workers."""
    longest = max((len(items) for items in per_worker), default=0)
    return tuple(items[index] for index in range(longest) for items in per_worker if index < len(items))


def check_benchmark_answers(benchmark: Benchmark, target: Target, numbers: Iterable[int] | None = None) -> None:
    """Send a few of the benchmark's requests once (by default the first SAMPLE_CHECKS), so a wrong
    path or body fails loudly instead of being measured as a fast stream of errors."""
    if numbers is None:
        numbers = range(min(SAMPLE_CHECKS, benchmark.variant_count(target)))
    with httpx.Client(base_url=target.base_url, timeout=30) as client:
        for number in numbers:
            request = benchmark.request(target, number)
            response = client.request(request.method, request.path, headers=request.headers, content=request.body)
            if response.status_code != benchmark.expected_status:
                raise RuntimeError(
                    f"{benchmark.name} answered {response.status_code}, expected "
                    f"{benchmark.expected_status}: {response.text[:300]}"
                )

"""What is measured: one small declarative `Benchmark` per endpoint.

To add one (say, answering a quiz question), append a Benchmark to BENCHMARKS with its method,
path and a body and/or headers generator; `variants` says how many different requests wrk
cycles through. Anything it needs from the server (tokens, ids) belongs on `Target`, filled in
by `prepare_target` once per server.
"""

import json
from collections.abc import Callable
from dataclasses import dataclass

import httpx
from loadgen import HttpRequest

DEMO_ENTERPRISE = "DEMO"
DEMO_PASSWORD = "demo12345"
DEMO_WORKERS = tuple(f"worker{number:02d}" for number in range(1, 31))


@dataclass(frozen=True)
class Target:
    """A running server loaded with `postdrill demo`, and what the benchmarks need from it."""

    base_url: str
    worker_tokens: tuple[str, ...]  # one bearer token per demo worker, in DEMO_WORKERS order


@dataclass(frozen=True)
class Benchmark:
    name: str
    method: str
    path: str
    description: str
    # Request number i (0 <= i < variants): its JSON body and extra headers.
    body: Callable[[Target, int], object] | None = None
    headers: Callable[[Target, int], dict[str, str]] | None = None
    variants: int = 1
    expected_status: int = 200

    def requests(self, target: Target) -> list[HttpRequest]:
        return [self.request(target, number) for number in range(self.variants)]

    def request(self, target: Target, number: int) -> HttpRequest:
        headers = dict(self.headers(target, number)) if self.headers else {}
        body = None
        if self.body is not None:
            body = json.dumps(self.body(target, number), ensure_ascii=False)
            headers.setdefault("Content-Type", "application/json")
        return HttpRequest(method=self.method, path=self.path, headers=headers, body=body)


def login_body(username: str) -> dict[str, str]:
    return {"enterprise_code": DEMO_ENTERPRISE, "username": username, "password": DEMO_PASSWORD}


def bearer(token: str) -> dict[str, str]:
    return {"Authorization": f"Bearer {token}"}


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
)


def log_in(client: httpx.Client, username: str) -> str:
    response = client.post("/api/auth/login", json=login_body(username))
    response.raise_for_status()
    return response.json()["access_token"]


def prepare_target(base_url: str) -> Target:
    """Log every demo worker in once, so token-carrying benchmarks can spread over 30 accounts."""
    with httpx.Client(base_url=base_url, timeout=30) as client:
        tokens = tuple(log_in(client, username) for username in DEMO_WORKERS)
    return Target(base_url=base_url, worker_tokens=tokens)


def check_benchmark_answers(benchmark: Benchmark, target: Target, samples: int = 3) -> None:
    """Send a few of the benchmark's requests once, so a wrong path or body fails loudly
    instead of being measured as a fast stream of errors."""
    with httpx.Client(base_url=target.base_url, timeout=30) as client:
        for number in range(min(samples, benchmark.variants)):
            request = benchmark.request(target, number)
            response = client.request(request.method, request.path, headers=request.headers, content=request.body)
            if response.status_code != benchmark.expected_status:
                raise RuntimeError(
                    f"{benchmark.name} answered {response.status_code}, expected "
                    f"{benchmark.expected_status}: {response.text[:300]}"
                )

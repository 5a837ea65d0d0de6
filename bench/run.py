"""PostDrill benchmark runner: {SQLite, PostgreSQL} × {1, 2 workers} × the endpoints in benchmarks.py.

    .venv/bin/python bench/run.py [--duration 10] [--connections 50] [--only sqlite|postgres] [--workers 1,2]

Each configuration gets a fresh database with `postdrill demo` data and its own `postdrill serve`
on a free loopback port; wrk measures every endpoint over real HTTP, and each result is set
against `GET /healthz` measured on the same server in the same run. Writes bench/RESULTS.md.
See bench/README.md.
"""

import argparse
import platform
import shlex
import shutil
import subprocess
import sys
import tempfile
import time
from collections.abc import Sequence
from dataclasses import dataclass, replace
from datetime import UTC, datetime
from pathlib import Path

from benchmarks import (
    ANSWERS_PER_SUBMIT_ATTEMPT,
    BENCHMARKS,
    DEMO_WORKERS,
    HEALTHZ,
    HISTORY_ASSESSMENTS,
    HISTORY_PRACTICES,
    QUESTIONS_PER_ANSWER_ATTEMPT,
    SAMPLE_CHECKS,
    SUBMIT_ATTEMPT_QUESTIONS,
    Benchmark,
    Preparation,
    Target,
    check_benchmark_answers,
    prepare_target,
)
from loadgen import WRK, LoadResult, LoadSettings, run_load
from servers import (
    REPO,
    PeakMemory,
    Server,
    fresh_database,
    load_demo_data,
    postgres_version,
    running_server,
    wait_until_idle,
)

RESULTS_PATH = Path(__file__).resolve().parent / "RESULTS.md"
DATABASE_LABELS = {"sqlite": "SQLite", "postgres": "PostgreSQL"}


@dataclass(frozen=True)
class Configuration:
    database: str  # "sqlite" | "postgres"
    workers: int

    @property
    def label(self) -> str:
        return f"{DATABASE_LABELS[self.database]}, {self.workers} worker{'s' if self.workers > 1 else ''}"


@dataclass(frozen=True)
class Measurement:
    configuration: Configuration
    benchmark: Benchmark
    result: LoadResult | None
    peak_rss_bytes: int = 0
    failure: str = ""


# --- running -----------------------------------------------------------------------------------


def measure(
    server: Server, target: Target, benchmark: Benchmark, settings: LoadSettings, warmup_s: float
) -> tuple[LoadResult, int]:
    variants = benchmark.variant_count(target)
    if benchmark.single_use:
        checks, warm, measured = single_use_slices(variants, warmup_s, settings.duration_s)
    else:
        checks, warm, measured = range(min(SAMPLE_CHECKS, variants)), range(variants), range(variants)
    check_benchmark_answers(benchmark, target, checks)
    if warmup_s > 0:
        # Opens the pool's connections and warms caches; its numbers are thrown away.
        wait_until_idle(server)
        warm_settings = replace(settings, duration_s=warmup_s)
        warm_result = run_load(target.base_url, benchmark.requests(target, warm), warm_settings)
        check_not_exhausted(benchmark, warm_result, len(warm), settings, "warm-up")
    wait_until_idle(server)
    requests = benchmark.requests(target, measured)
    with PeakMemory(server.process.pid) as memory:
        result = run_load(target.base_url, requests, settings)
    check_not_exhausted(benchmark, result, len(measured), settings, "measurement")
    return result, memory.peak_bytes


def single_use_slices(variants: int, warmup_s: float, duration_s: float) -> tuple[range, range, range]:
    """Disjoint variants for the sample check, the warm-up and the measurement of a benchmark whose
    requests may each be sent once; the last two split the rest in proportion to their seconds."""
    checks = range(min(SAMPLE_CHECKS, variants))
    rest = variants - len(checks)
    warm_count = round(rest * warmup_s / (warmup_s + duration_s)) if warmup_s > 0 else 0
    warm = range(checks.stop, checks.stop + warm_count)
    return checks, warm, range(warm.stop, variants)


def check_not_exhausted(
    benchmark: Benchmark, result: LoadResult, prepared: int, settings: LoadSettings, phase: str
) -> None:
    """A single-use benchmark whose wrk wrapped around its list sent repeats (fast 409s): refuse
    the numbers. Each wrk thread owns 1/threads of the list, and up to `connections` requests were
    still in flight at the stop; 10 % margin for threads that ran unevenly."""
    if not benchmark.single_use or result.requests + settings.connections <= 0.9 * prepared:
        return
    raise RuntimeError(
        f"ran out of prepared single-use requests in the {phase}: wrk completed {result.requests} of "
        f"{prepared} ({result.requests_per_s:,.0f} req/s, p99 {result.p99_ms:.1f} ms, {result.error_count} errors); "
        "raise the rate ceilings in benchmarks.py"
    )


def measure_configuration(
    configuration: Configuration,
    benchmarks: Sequence[Benchmark],
    settings: LoadSettings,
    warmup_s: float,
    log_dir: Path,
) -> list[Measurement]:
    progress(f"== {configuration.label}: fresh database, demo data, server …")
    measurements = []
    with fresh_database(configuration.database) as env:
        load_demo_data(env)
        with running_server(env, configuration.workers, log_dir) as server:
            prepared_at = time.monotonic()
            target = prepare_target(
                server.base_url,
                load_seconds=warmup_s + settings.duration_s,
                connections=settings.connections,
                quiz_data=any(b.needs_quiz_data for b in benchmarks),
            )
            progress(
                f"   prepared {len(target.fresh_questions):,} fresh questions and {len(target.open_attempts):,} "
                f"open attempts in {time.monotonic() - prepared_at:.0f} s"
            )
            for benchmark in benchmarks:
                try:
                    result, peak = measure(server, target, benchmark, settings, warmup_s)
                except Exception as error:  # one broken endpoint must not hide the others' numbers
                    failure = describe_failure(error, server)
                    progress(f"   {benchmark.name}: FAILED: {failure}")
                    measurements.append(Measurement(configuration, benchmark, None, failure=failure))
                    continue
                progress(
                    f"   {benchmark.name}: {result.requests_per_s:,.0f} req/s, p50 {result.p50_ms:.1f} ms, "
                    f"p99 {result.p99_ms:.1f} ms, errors {result.error_count}"
                )
                measurements.append(Measurement(configuration, benchmark, result, peak_rss_bytes=peak))
            wait_until_idle(server)
    return measurements


def describe_failure(error: Exception, server: Server) -> str:
    message = " ".join(str(error).split())
    if server.process.poll() is not None:
        tail = server.log_tail(1).strip() or "no output"
        message = f"server exited with {server.process.returncode} ({tail}); {message}"
    return message


def progress(message: str) -> None:
    print(message, file=sys.stderr, flush=True)


# --- the table -------------------------------------------------------------------------------


def ratio(value: float, baseline: float) -> str:
    if not baseline:
        return "–"
    share = value / baseline
    return f"{share:.3f}" if share < 0.1 else f"{share:.2f}"


def errors_text(result: LoadResult) -> str:
    if not result.error_count:
        return "0"
    kinds = ", ".join(f"{name} {count}" for name, count in result.errors.items() if count)
    return f"{result.error_count} ({kinds})"


def one_line(text: str, limit: int = 120) -> str:
    """A failure message that cannot break the Markdown table."""
    first = text.strip().splitlines()[0] if text.strip() else "unknown error"
    return first.replace("|", "/")[:limit]


def results_table(measurements: Sequence[Measurement]) -> str:
    rows = [
        "| configuration | endpoint | req/s | p50 ms | p99 ms | errors | req/s ÷ healthz | p99 ÷ healthz | peak RSS MB |",
        "|---|---|--:|--:|--:|--:|--:|--:|--:|",
    ]
    baselines = {m.configuration: m.result for m in measurements if m.benchmark is HEALTHZ and m.result is not None}
    for m in measurements:
        if m.result is None:
            rows.append(f"| {m.configuration.label} | {m.benchmark.name} | failed: {one_line(m.failure)} | | | | | | |")
            continue
        base = baselines.get(m.configuration)
        throughput_ratio = ratio(m.result.requests_per_s, base.requests_per_s) if base else "–"
        p99_ratio = ratio(m.result.p99_ms, base.p99_ms) if base else "–"
        rows.append(
            f"| {m.configuration.label} | {m.benchmark.name} | {m.result.requests_per_s:,.0f} "
            f"| {m.result.p50_ms:.1f} | {m.result.p99_ms:.1f} | {errors_text(m.result)} "
            f"| {throughput_ratio} | {p99_ratio} | {m.peak_rss_bytes / 2**20:,.0f} |"
        )
    return "\n".join(rows)


# --- the report --------------------------------------------------------------------------------


def command_output(command: Sequence[str]) -> str:
    try:
        return subprocess.run(command, capture_output=True, text=True, timeout=10, cwd=REPO).stdout.strip()
    except (OSError, subprocess.SubprocessError):
        return ""


def served_app_folder() -> Path | None:
    """Where the server's `import app` finds the code (PYTHONPATH can point it at another copy)."""
    found = subprocess.run(
        [sys.executable, "-c", "import app, pathlib; print(pathlib.Path(app.__file__).parent)"],
        capture_output=True,
        text=True,
        timeout=30,
        cwd="/",  # like the `postdrill` script, whose sys.path does not start with the repo
        check=False,
    ).stdout.strip()
    return Path(found) if found else None


def code_description() -> str:
    commit = command_output(["git", "rev-parse", "--short", "HEAD"]) or "unknown"
    folder = served_app_folder()
    if folder is not None and not folder.is_relative_to(REPO):
        return f"git HEAD {commit}; the server ran the app code in {folder} (PYTHONPATH), not the work tree"
    # Others edit app/ while benchmarks run: say so when the numbers are not for the commit alone.
    changed = command_output(["git", "status", "--porcelain", "--untracked-files=no"])
    return f"git commit {commit} (with uncommitted changes)" if changed else f"git commit {commit}"


def cpu_model() -> str:
    for line in Path("/proc/cpuinfo").read_text().splitlines():
        if line.startswith("model name"):
            return line.split(":", 1)[1].strip()
    return platform.processor() or "unknown"


def wrk_version() -> str:
    # `wrk --version` prints its banner and exits 1; the first line has the version.
    output = subprocess.run([WRK, "--version"], capture_output=True, text=True, check=False).stdout
    return output.splitlines()[0].split(" Copyright")[0] if output else "unknown"


def machine_lines(settings: LoadSettings, warmup_s: float, command: str, quiz_data: bool) -> list[str]:
    return [
        f"- date: {datetime.now(UTC):%Y-%m-%d %H:%M} UTC",
        f"- machine: {command_output(['nproc'])} CPUs ({cpu_model()}), Python {platform.python_version()}, "
        f"PostgreSQL {postgres_version()}, {wrk_version()}",
        f"- code: {code_description()}",
        f"- load: wrk, {settings.threads} threads, {settings.connections} connections, "
        f"{settings.duration_s:g} s per endpoint after a {warmup_s:g} s warm-up; wrk runs on the same CPUs as the server",
        f"- prepared per server before measuring: {preparation_text(settings, warmup_s, quiz_data)}",
        f"- command: `{command}`",
    ]


def preparation_text(settings: LoadSettings, warmup_s: float, quiz_data: bool) -> str:
    if not quiz_data:
        return "a token and the post of each demo worker (no quiz data: no benchmark here needs it)"
    made = Preparation.for_load(warmup_s + settings.duration_s, settings.connections)
    people = len(DEMO_WORKERS)
    return (
        f"for each of the {people} demo workers {HISTORY_ASSESSMENTS} submitted assessments and {HISTORY_PRACTICES} "
        f"submitted practice quizzes (half answered), {made.answer_attempts_per_worker} open assessments of "
        f"{QUESTIONS_PER_ANSWER_ATTEMPT} questions to answer ({people * made.answer_attempts_per_worker * QUESTIONS_PER_ANSWER_ATTEMPT:,} "
        f"in all) and {made.submit_attempts_per_worker} open assessments of {SUBMIT_ATTEMPT_QUESTIONS} questions with "
        f"{ANSWERS_PER_SUBMIT_ATTEMPT} answered to submit ({people * made.submit_attempts_per_worker:,} in all)"
    )


HOW_TO_READ = """\
How to read it: this machine is shared and noisy, so absolute req/s move from run to run. Compare
the ratio columns: each endpoint's req/s and p99 divided by `GET /healthz` measured on the same
server minutes earlier. req/s ÷ healthz near 1 means the endpoint costs about as much as the
framework plus one trivial query; 0.1 means it is ten times as expensive. p99 ÷ healthz above 1
says how much longer the slowest 1 % wait. Login is deliberately slow (argon2, 64 MiB per hash):
at 50 connections its latency is mostly queueing (connections ÷ logins per second), and its p99
cannot exceed the run's duration. Peak RSS is the summed resident memory of the server's
processes during the measurement."""


def report(measurements: Sequence[Measurement], settings: LoadSettings, warmup_s: float, command: str) -> str:
    quiz_data = any(m.benchmark.needs_quiz_data for m in measurements)
    lines = [
        "# PostDrill benchmark results",
        "",
        *machine_lines(settings, warmup_s, command, quiz_data),
        "",
        HOW_TO_READ,
        "",
    ]
    lines += [results_table(measurements), ""]
    described = {m.benchmark.name: m.benchmark.description for m in measurements}
    lines += ["Endpoints:", *(f"- `{name}`: {text}" for name, text in described.items()), ""]
    return "\n".join(lines)


# --- command line ------------------------------------------------------------------------------


def parse_arguments(argv: Sequence[str] | None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--duration", type=float, default=10, help="seconds of load per endpoint (default 10)")
    parser.add_argument("--connections", type=int, default=50, help="open connections (default 50)")
    parser.add_argument("--threads", type=int, default=2, help="wrk threads (default 2, one per core)")
    parser.add_argument("--warmup", type=float, default=2, help="seconds of unmeasured load first (default 2)")
    parser.add_argument("--only", choices=["sqlite", "postgres"], help="one database instead of both")
    parser.add_argument("--workers", default="1,2", help="comma-separated uvicorn worker counts (default 1,2)")
    parser.add_argument(
        "--bench",
        help="comma-separated endpoint names to run, e.g. '/api/me' (healthz always runs as the baseline)",
    )
    parser.add_argument("--output", type=Path, default=RESULTS_PATH, help="Markdown file to overwrite")
    args = parser.parse_args(argv)
    if args.connections < args.threads:
        parser.error("--connections must be at least --threads (wrk gives each thread its connections)")
    try:
        args.worker_counts = [int(part) for part in args.workers.split(",") if part.strip()]
    except ValueError:
        parser.error("--workers: comma-separated whole numbers, e.g. 1,2")
    if not args.worker_counts or min(args.worker_counts) < 1:
        parser.error("--workers: at least one count, each 1 or more")
    return args


def chosen_benchmarks(names: str | None) -> list[Benchmark]:
    if not names:
        return list(BENCHMARKS)
    wanted = [name.strip() for name in names.split(",") if name.strip()]
    unknown = [name for name in wanted if not any(name in b.name for b in BENCHMARKS)]
    if unknown:
        raise SystemExit(f"--bench: no endpoint matches {unknown}; known: {[b.name for b in BENCHMARKS]}")
    return [b for b in BENCHMARKS if b is HEALTHZ or any(name in b.name for name in wanted)]


def main(argv: Sequence[str] | None = None) -> int:
    args = parse_arguments(argv)
    settings = LoadSettings(duration_s=args.duration, connections=args.connections, threads=args.threads)
    benchmarks = chosen_benchmarks(args.bench)
    databases = [args.only] if args.only else ["sqlite", "postgres"]
    configurations = [Configuration(db, workers) for db in databases for workers in args.worker_counts]
    command = shlex.join(["bench/run.py", *(sys.argv[1:] if argv is None else argv)])

    started = time.monotonic()
    measurements: list[Measurement] = []
    failed = False
    log_dir = Path(tempfile.mkdtemp(prefix="postdrill-bench-logs-"))
    for configuration in configurations:
        try:
            measurements += measure_configuration(configuration, benchmarks, settings, args.warmup, log_dir)
        except Exception as error:  # a configuration that cannot start is reported, the rest still run
            failed = True
            progress(f"   {configuration.label}: FAILED: {error}")
            measurements += [Measurement(configuration, b, None, failure=str(error)) for b in benchmarks]
    failed = failed or any(m.result is None or m.result.error_count for m in measurements)
    if failed:
        progress(f"server logs kept in {log_dir}")
    else:
        shutil.rmtree(log_dir, ignore_errors=True)

    text = report(measurements, settings, args.warmup, command)
    args.output.write_text(text, encoding="utf-8")
    print(text)
    progress(f"written to {args.output} in {time.monotonic() - started:.0f} s")
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main())

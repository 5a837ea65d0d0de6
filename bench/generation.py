"""How long generating the reference bank's questions takes, cold and warm. Writes bench/GENERATION.md.

    .venv/bin/python bench/generation.py [--runs 10] [--cold-runs 5] [--output bench/GENERATION.md]

For each of the posts in the reference bank (question_bank/*.yaml), `generate_questions` runs
with the other bank posts of the same industry as peers, as a server does for a post's first
quiz. Cold: the first run in a fresh Python process (modules imported, nothing generated yet, the
text caches of app.questions.text empty), median of --cold-runs processes (this one and fresh
children). Warm: further runs in this process (median of --runs), with those caches filled. The baseline, measured the
same way in the same processes, is reading and validating the same YAML files with
`parse_card_files`; the ratio to it is the figure to compare across runs on this noisy machine.
See bench/README.md.
"""

import argparse
import json
import os
import shlex
import statistics
import subprocess
import sys
import time
from collections import Counter
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path

from run import REPO, command_output, cpu_model

from app.cards.bank import bank_files
from app.cards.parsing import parse_card_files
from app.cards.schema import PostContent
from app.questions.generator import FAMILY_NAMES, generate_questions

GENERATION_PATH = Path(__file__).resolve().parent / "GENERATION.md"


@dataclass(frozen=True)
class Run:
    """One pass over the bank: the baseline, then every post's questions."""

    parse_s: float
    post_s: dict[str, float]  # post code → seconds to generate its questions
    questions: dict[str, int]  # post code → number of questions
    families: dict[str, int]  # family → number of questions over the whole bank

    @property
    def generate_s(self) -> float:
        return sum(self.post_s.values())


def bank_bytes() -> list[tuple[str, bytes]]:
    return [(path.name, path.read_bytes()) for path in bank_files()]


def parse_bank(files: list[tuple[str, bytes]]) -> list[PostContent]:
    posts, problems = parse_card_files(files)
    if problems:
        raise SystemExit("the reference bank has problems:\n" + "\n".join(str(p) for p in problems))
    return posts


def one_run(files: list[tuple[str, bytes]]) -> Run:
    started = time.perf_counter()
    posts = parse_bank(files)
    parse_s = time.perf_counter() - started
    post_s: dict[str, float] = {}
    questions: dict[str, int] = {}
    families: Counter[str] = Counter()
    for post in posts:
        peers = [peer for peer in posts if peer.industry == post.industry and peer.code != post.code]
        started = time.perf_counter()
        generated = generate_questions(post, peers=peers, seed=0)
        post_s[post.code] = time.perf_counter() - started
        questions[post.code] = len(generated)
        families.update(question.family for question in generated)
    return Run(parse_s=parse_s, post_s=post_s, questions=questions, families=dict(families))


def cold_run() -> Run:
    """The first run in a fresh process (`--child` prints it as JSON)."""
    completed = subprocess.run(
        [sys.executable, __file__, "--child"], capture_output=True, text=True, check=False, timeout=600
    )
    if completed.returncode != 0:
        raise SystemExit(f"the cold run failed ({completed.returncode}):\n{completed.stderr}")
    return Run(**json.loads(completed.stdout))


def industries(files: list[tuple[str, bytes]]) -> dict[str, str]:
    return {post.code: post.industry.value for post in parse_bank(files)}


# --- the report --------------------------------------------------------------------------------


def median(values: Sequence[float]) -> float:
    return statistics.median(values)


def ms(seconds: float) -> str:
    return f"{seconds * 1000:,.0f}"


def run_ratio(runs: Sequence[Run]) -> str:
    """Each run's generation time over its own baseline, then the median: a burst of load from
    elsewhere on the machine slows both halves of one run, so it cancels out better than a ratio
    of medians would."""
    ratios = [run.generate_s / run.parse_s for run in runs if run.parse_s]
    return f"{median(ratios):.2f}" if ratios else "–"


def code_description() -> str:
    import app

    commit = command_output(["git", "rev-parse", "--short", "HEAD"]) or "unknown"
    folder = Path(app.__file__).resolve().parent
    if not folder.is_relative_to(REPO):
        return f"git HEAD {commit}; the app code in {folder} (PYTHONPATH), not the work tree"
    changed = command_output(["git", "status", "--porcelain", "--untracked-files=no"])
    return f"git commit {commit} (with uncommitted changes)" if changed else f"git commit {commit}"


def report(cold: Sequence[Run], warm: Sequence[Run], kinds: dict[str, str], command: str, load_before: float) -> str:
    first = warm[0]
    if any(run.questions != first.questions for run in [*cold, *warm]):
        raise SystemExit("generation is not deterministic: the question counts differ between runs")
    codes = sorted(first.questions, key=lambda code: (kinds[code], code))
    total_questions = sum(first.questions.values())
    cold_generate = median([run.generate_s for run in cold])
    warm_generate = median([run.generate_s for run in warm])
    cold_parse = median([run.parse_s for run in cold])
    warm_parse = median([run.parse_s for run in warm])
    lines = [
        "# PostDrill question generation",
        "",
        f"- date: {datetime.now(UTC):%Y-%m-%d %H:%M} UTC",
        f"- machine: {command_output(['nproc'])} CPUs ({cpu_model()}), Python {sys.version.split()[0]}",
        f"- code: {code_description()}",
        f"- load average before the runs: {load_before:.1f} (1 minute; above 0 means other work shared the CPUs)",
        f"- cold: median of {len(cold)} fresh processes (first run); warm: median of {len(warm)} runs in one process",
        f"- command: `{command}`",
        "",
        "How to read it: `generate_questions` for each reference post, with the other bank posts of its",
        "industry as peers. A server pays the cold figure once per post and process (then the pool is",
        "cached per card version); warm runs reuse the process-wide text caches. Compare the ratio to",
        "the baseline (reading and validating the same YAML files), not the absolute times. Every",
        "row is a median of its own, so the post rows do not add up exactly to the total.",
        "",
        "| post | industry | questions | cold ms | warm ms | ms per question (warm) |",
        "|---|---|--:|--:|--:|--:|",
    ]
    for code in codes:
        cold_s = median([run.post_s[code] for run in cold])
        warm_s = median([run.post_s[code] for run in warm])
        count = first.questions[code]
        lines.append(
            f"| {code} | {kinds[code]} | {count} | {ms(cold_s)} | {ms(warm_s)} | {warm_s * 1000 / count:.2f} |"
        )
    lines += [
        f"| **all {len(codes)} posts** | | **{total_questions:,}** | **{ms(cold_generate)}** | **{ms(warm_generate)}** "
        f"| {warm_generate * 1000 / total_questions:.2f} |",
        f"| baseline: parse_card_files, {len(codes)} YAML files | | | {ms(cold_parse)} | {ms(warm_parse)} | |",
        f"| **generation ÷ baseline** (median of the runs' ratios) | | | **{run_ratio(cold)}** "
        f"| **{run_ratio(warm)}** | |",
        "",
        "| family | questions | share |",
        "|---|--:|--:|",
    ]
    for family in FAMILY_NAMES:
        count = first.families.get(family, 0)
        lines.append(f"| {family} | {count:,} | {100 * count / total_questions:.1f} % |")
    lines += [f"| **all families** | **{total_questions:,}** | 100 % |", ""]
    return "\n".join(lines)


def progress(message: str) -> None:
    print(message, file=sys.stderr, flush=True)


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--runs", type=int, default=10, help="warm runs in this process (default 10)")
    parser.add_argument(
        "--cold-runs",
        type=int,
        default=5,
        help="first runs of fresh processes for the cold figure, this one included (default 5)",
    )
    parser.add_argument("--output", type=Path, default=GENERATION_PATH, help="Markdown file to overwrite")
    parser.add_argument("--child", action="store_true", help=argparse.SUPPRESS)  # one cold run, as JSON
    args = parser.parse_args(argv)
    if args.child:
        print(json.dumps(vars(one_run(bank_bytes()))))
        return 0
    if args.runs < 1 or args.cold_runs < 1:
        parser.error("--runs and --cold-runs: at least 1")

    started = time.monotonic()
    load_before = os.getloadavg()[0]
    files = bank_bytes()
    cold = [one_run(files)]  # this process's first run is cold too; the rest in fresh processes
    progress(f"cold run 1: generation {ms(cold[-1].generate_s)} ms, parse {ms(cold[-1].parse_s)} ms")
    for number in range(2, args.cold_runs + 1):
        cold.append(cold_run())
        progress(f"cold run {number}: generation {ms(cold[-1].generate_s)} ms, parse {ms(cold[-1].parse_s)} ms")
    warm = []
    for number in range(1, args.runs + 1):
        warm.append(one_run(files))
        progress(f"warm run {number}: generation {ms(warm[-1].generate_s)} ms, parse {ms(warm[-1].parse_s)} ms")
    command = shlex.join(["bench/generation.py", *(sys.argv[1:] if argv is None else argv)])
    text = report(cold, warm, industries(files), command, load_before)
    args.output.write_text(text, encoding="utf-8")
    print(text)
    progress(f"written to {args.output} in {time.monotonic() - started:.0f} s")
    return 0


if __name__ == "__main__":
    sys.exit(main())

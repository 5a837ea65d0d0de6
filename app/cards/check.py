"""`python -m app.cards.check FILE...`: validate question_bank files against the schema and the
reference-bank minimums, printing every problem. Exit status 1 if any file has a problem."""

import sys
from pathlib import Path

import yaml
from pydantic import ValidationError

from app.cards.reference import reference_shortfalls
from app.cards.schema import PostContent


def main(paths: list[str]) -> int:
    failed = False
    for path in paths:
        try:
            post = PostContent.model_validate(yaml.safe_load(Path(path).read_text(encoding="utf-8")))
        except (ValidationError, yaml.YAMLError) as error:
            print(f"{path}: {error}")
            failed = True
            continue
        problems = reference_shortfalls(post)
        for problem in problems:
            print(f"{path}: {problem}")
        failed = failed or bool(problems)
        if not problems:
            print(f"{path}: OK {post.code} {post.name} hash={post.content_hash()[:12]}")
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))

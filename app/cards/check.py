"""`python -m app.cards.check FILE...`: validate question_bank files against the schema and the
reference-bank minimums, printing every problem. Exit status 1 if any file has a problem.

`python -m app.cards.check --write-schema` rewrites question_bank/post.schema.json, the JSON Schema
editors use for completion and checking while they type.
"""

import json
import sys
from pathlib import Path

from app.cards.parsing import parse_cards
from app.cards.reference import reference_shortfalls
from app.cards.schema import PostContent
from app.settings import PROJECT_ROOT

SCHEMA_FILE = PROJECT_ROOT / "question_bank" / "post.schema.json"


def schema_text() -> str:
    schema = PostContent.model_json_schema()
    schema["$schema"] = "https://json-schema.org/draft/2020-12/schema"
    schema["title"] = "两单两卡 岗位卡片"
    return json.dumps(schema, ensure_ascii=False, indent=2) + "\n"


def main(arguments: list[str]) -> int:
    if arguments == ["--write-schema"]:
        SCHEMA_FILE.write_text(schema_text(), encoding="utf-8")
        print(f"wrote {SCHEMA_FILE}")
        return 0
    failed = False
    for path in arguments:
        parsed, problems = parse_cards([(path, Path(path).read_bytes())])
        posts = [post for post, _ in parsed]
        for problem in problems + [warning for _, warnings in parsed for warning in warnings]:
            print(problem)
        shortfalls = reference_shortfalls(posts[0]) if posts else []
        for shortfall in shortfalls:
            print(f"{path}: {shortfall}")
        failed = failed or bool(problems) or bool(shortfalls)
        if posts and not shortfalls:
            print(f"{path}: OK {posts[0].code} {posts[0].name} hash={posts[0].content_hash()[:12]}")
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))

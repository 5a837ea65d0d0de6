"""The reference bank shipped in question_bank/: 18 posts an enterprise starts from."""

from functools import lru_cache
from pathlib import Path

from app.cards.parsing import parse_card_files
from app.cards.schema import PostContent
from app.org.models import Industry
from app.settings import PROJECT_ROOT

BANK_DIR = PROJECT_ROOT / "question_bank"


def bank_files(directory: Path = BANK_DIR) -> list[Path]:
    return sorted(directory.glob("*.yaml"))


@lru_cache(maxsize=1)
def reference_bank() -> tuple[PostContent, ...]:
    posts, problems = parse_card_files([(path.name, path.read_bytes()) for path in bank_files()])
    if problems:
        raise ValueError("参考题库有错误：\n" + "\n".join(str(p) for p in problems))
    return tuple(posts)


def bank_for(industry: Industry) -> list[PostContent]:
    return [post for post in reference_bank() if post.industry == industry]


@lru_cache(maxsize=4)
def bank_with_hashes(industry: Industry) -> tuple[tuple[str, PostContent], ...]:
    """(content hash, content) of the bank's posts of one industry, hashed once per process."""
    return tuple((post.content_hash(), post) for post in bank_for(industry))

"""Posts and their versioned 两单两卡 content: import, publish, read, search. The caller commits."""

import threading
from collections import OrderedDict
from dataclasses import dataclass, replace
from datetime import datetime
from typing import Literal

from sqlmodel import Session, col, select

from app.cards.models import Post, PostVersion
from app.cards.parsing import Problem, parse_cards
from app.cards.schema import PostContent
from app.drill.sync import sync_flashcards
from app.org.models import Person, PersonPost, Role
from app.security import Scope

# Roles that edit cards and may see versions nobody has published yet.
EDITOR_ROLES = frozenset({Role.trainer, Role.manager})

ImportStatus = Literal["created", "updated", "unchanged"]


@dataclass(frozen=True)
class ImportOutcome:
    post: Post
    version: int
    status: ImportStatus
    published: bool
    # Located notes that did not block the import (1986 accident classes a person must choose for).
    warnings: tuple[Problem, ...] = ()


def get(session: Session, *, scope: Scope, post_id: int) -> Post | None:
    post = session.get(Post, post_id)
    if post is None or not scope.allows(post.enterprise_id):
        return None
    if post.published_version is None and scope.role not in EDITOR_ROLES:
        return None  # a draft is invisible outside its editors
    return post


def get_by_id(session: Session, post_id: int) -> Post | None:
    """No tenancy check: for rows already reached through the caller's own records."""
    return session.get(Post, post_id)


def get_many(session: Session, post_ids: set[int]) -> list[Post]:
    """No tenancy check: for ids taken from the caller's own records."""
    return list(session.exec(select(Post).where(col(Post.id).in_(post_ids))).all()) if post_ids else []


def get_by_code(session: Session, *, enterprise_id: int, code: str) -> Post | None:
    return session.exec(select(Post).where(Post.enterprise_id == enterprise_id, Post.code == code)).first()


def list_for(session: Session, *, scope: Scope, enterprise_id: int | None = None) -> list[Post]:
    """Posts the caller may see (published ones, plus drafts for editors), by code."""
    query = select(Post).where(scope.where(Post.enterprise_id))
    if enterprise_id is not None:
        query = query.where(Post.enterprise_id == enterprise_id)
    if scope.role not in EDITOR_ROLES:
        query = query.where(col(Post.published_version).is_not(None))
    return list(session.exec(query.order_by(Post.enterprise_id, Post.code)).all())


def post_ids_of(session: Session, person: Person) -> set[int]:
    return set(session.exec(select(PersonPost.post_id).where(PersonPost.person_id == person.id)).all())


def version(session: Session, post: Post, number: int) -> PostVersion | None:
    return session.exec(select(PostVersion).where(PostVersion.post_id == post.id, PostVersion.number == number)).first()


def versions_of(session: Session, post: Post) -> list[PostVersion]:
    return list(
        session.exec(
            select(PostVersion).where(PostVersion.post_id == post.id).order_by(col(PostVersion.number).desc())
        ).all()
    )


def shown_version(session: Session, post: Post, *, scope: Scope) -> PostVersion | None:
    """What the caller reads: the published version, or for an editor the newest when none is."""
    number = post.published_version
    if number is None and scope.role in EDITOR_ROLES:
        number = post.latest_version or None
    return version(session, post, number) if number else None


_CONTENT_CACHE_SIZE = 512
_content_cache: OrderedDict[str, PostContent] = OrderedDict()
_content_lock = threading.Lock()


def content(stored: PostVersion) -> PostContent:
    """The version's content. Versions never change, so each is validated once per process and
    shared; callers must treat the returned model as read-only."""
    with _content_lock:
        cached = _content_cache.get(stored.content_hash)
        if cached is not None:
            _content_cache.move_to_end(stored.content_hash)
            return cached
    parsed = PostContent.model_validate(stored.content)
    with _content_lock:
        _content_cache[stored.content_hash] = parsed
        while len(_content_cache) > _CONTENT_CACHE_SIZE:
            _content_cache.popitem(last=False)
    return parsed


def import_posts(
    session: Session,
    *,
    enterprise_id: int,
    posts: list[tuple[PostContent, str]],
    actor: Person | None,
    now: datetime,
    publish: bool,
) -> list[ImportOutcome]:
    """Store already-validated posts (content, source file name): identical content changes
    nothing, changed content becomes the next version; old versions are kept."""
    outcomes = []
    for post_content, source in posts:
        digest = post_content.content_hash()
        post = get_by_code(session, enterprise_id=enterprise_id, code=post_content.code)
        status: ImportStatus
        if post is None:
            post = Post(
                enterprise_id=enterprise_id,
                code=post_content.code,
                name=post_content.name,
                industry=post_content.industry,
            )
            session.add(post)
            session.flush()
            status = "created"
        else:
            latest = version(session, post, post.latest_version)
            status = "unchanged" if latest is not None and latest.content_hash == digest else "updated"
        if status != "unchanged":
            post.latest_version += 1
            session.add(
                PostVersion(
                    post_id=post.id,
                    number=post.latest_version,
                    content_hash=digest,
                    content=post_content.model_dump(mode="json"),
                    source=source[:200],
                    created_by_id=actor.id if actor else None,
                    created_at=now,
                )
            )
        if publish and post.published_version != post.latest_version:
            publish_version(session, post=post, number=post.latest_version, now=now)
        session.add(post)
        session.flush()
        outcomes.append(ImportOutcome(post, post.latest_version, status, post.published_version == post.latest_version))
    return outcomes


def import_files(
    session: Session,
    *,
    enterprise_id: int,
    files: list[tuple[str, bytes]],
    refused: list[Problem],
    actor: Person | None,
    now: datetime,
    publish: bool,
) -> tuple[list[ImportOutcome], list[Problem]]:
    """Check every file, then store all of them, or nothing when any problem is found."""
    posts, problems = parse_cards(files) if files else ([], [])
    problems = refused + problems
    if problems:
        return [], problems
    named = [(post, name) for (post, _), (name, _) in zip(posts, files, strict=True)]
    outcomes = import_posts(session, enterprise_id=enterprise_id, posts=named, actor=actor, now=now, publish=publish)
    return [
        replace(outcome, warnings=tuple(warnings)) for outcome, (_, warnings) in zip(outcomes, posts, strict=True)
    ], []


def publish_version(session: Session, *, post: Post, number: int, now: datetime) -> PostVersion | None:
    """Make version `number` the one workers see, and copy its headline fields onto the post."""
    stored = version(session, post, number)
    if stored is None:
        return None
    if stored.published_at is None:
        stored.published_at = now
        session.add(stored)
    published = content(stored)
    post.published_version = number
    # the drill's flashcards follow the version now, so that reading them never writes
    sync_flashcards(session, post_id=post.id or 0, number=number, content=published)
    post.name = published.name
    post.industry = published.industry
    post.sector = published.sector
    post.area = published.area
    post.key_post = published.key_post
    session.add(post)
    return stored


@dataclass(frozen=True)
class SearchHit:
    post: Post
    document: str  # 风险 / 职责 / 操作 / 应急 / 口诀
    tab: str
    item_id: str
    text: str


def search(session: Session, *, scope: Scope, enterprise_id: int, query: str, limit: int = 50) -> list[SearchHit]:
    """Plain substring search over the published cards of one enterprise (small data: a few dozen
    posts, read whole)."""
    words = [w for w in query.split() if w]
    if not words:
        return []
    hits: list[SearchHit] = []
    for post in list_for(session, scope=scope, enterprise_id=enterprise_id):
        stored = shown_version(session, post, scope=scope)
        if stored is None:
            continue
        for document, tab, item_id, text in card_lines(content(stored)):
            if all(word in text or word in post.name for word in words):
                hits.append(SearchHit(post, document, tab, item_id, text))
                if len(hits) >= limit:
                    return hits
    return hits


def card_lines(post: PostContent) -> list[tuple[str, str, str, str]]:
    """Every line of a post as (document, tab, item id, text), for search."""
    lines: list[tuple[str, str, str, str]] = []
    for risk in post.risks:
        measures = "；".join(text for _, _, text in risk.controls.all())
        lines.append(("风险", "risks", risk.id, f"{risk.point}：{risk.hazard}。{measures}"))
    lines += [("职责", "duties", duty.id, duty.text) for duty in post.duties]
    for step in post.operation.steps:
        lines.append(
            ("操作", "operation", step.id, "；".join([step.text, *(step.key_point or "",), *step.prohibitions]))
        )
    lines += [("操作", "operation", item.id, f"{item.point_at}：{item.say}") for item in post.operation.checklist]
    for scenario in post.emergency.scenarios:
        lines.append(
            (
                "应急",
                "emergency",
                scenario.id,
                "；".join([scenario.title, *scenario.action_texts, *scenario.prohibitions]),
            )
        )
    lines += [("口诀", "mnemonics", "", f"{m.title}：{m.text}") for m in post.mnemonics]
    return lines

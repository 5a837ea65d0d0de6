"""A post's flashcards follow its published version, written when a version is published (and,
for a database upgraded from before, once after migrating) so that reading the drill never
writes: same key → same row (memories kept); changed line → new digest (memories restart); gone
line → inactive."""

from sqlmodel import Session, col, select

from app.cards.models import Post, PostVersion
from app.cards.schema import PostContent
from app.drill import flashcards as card_maker
from app.drill.models import Flashcard


def sync_flashcards(session: Session, *, post_id: int, number: int, content: PostContent) -> list[Flashcard]:
    rows = {row.key: row for row in session.exec(select(Flashcard).where(Flashcard.post_id == post_id)).all()}
    keys = set()
    for position, card in enumerate(card_maker.make_flashcards(content)):
        keys.add(card.key)
        row = rows.get(card.key) or Flashcard(
            post_id=post_id,
            key=card.key,
            post_version=number,
            kind=card.kind,
            digest=card.digest,
            front=card.front,
            back=card.back,
            source=card.source,
        )
        row.kind, row.digest, row.front, row.back, row.source = (
            card.kind,
            card.digest,
            card.front,
            card.back,
            card.source,
        )
        row.position, row.active, row.post_version = position, True, number
        session.add(row)
        rows[card.key] = row
    for key, row in rows.items():
        if key not in keys:
            row.active = False
            row.post_version = number
            session.add(row)
    session.flush()
    return sorted((r for r in rows.values() if r.active), key=lambda r: r.position)


def sync_stale(session: Session) -> int:
    """Bring every published post whose flashcards lag behind its version up to it (after an
    upgrade from a release that made them on first read). Returns how many posts were brought up."""
    from app.cards import service as cards  # cards.service publishes through this module

    synced_versions = set(session.exec(select(Flashcard.post_id, Flashcard.post_version).distinct()).all())
    posts = session.exec(select(Post).where(col(Post.published_version).is_not(None))).all()
    stale = [post for post in posts if (post.id, post.published_version) not in synced_versions]
    for post in stale:
        stored: PostVersion | None = cards.version(session, post, post.published_version or 0)
        if stored is not None and post.id is not None:
            sync_flashcards(session, post_id=post.id, number=stored.number, content=cards.content(stored))
    return len(stale)

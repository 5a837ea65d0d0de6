"""Reading the drill never writes: flashcards are written when a version is published, and a
database upgraded from a release that made them on first read is brought up once after migrating."""

from pathlib import Path

from sqlalchemy import event, func
from sqlmodel import Session, select

from app.cards.service import import_posts
from app.db import make_engine, utcnow
from app.drill import service as drill
from app.drill.models import Flashcard
from app.migrations import upgrade_to_head
from app.org.models import Enterprise, Person, PersonPost, Region, Role
from app.settings import Settings
from tests.conftest import World
from tests.factories import minimal_post


def test_publishing_writes_the_flashcards_and_reading_them_writes_nothing(session: Session, world: World) -> None:
    post = world.a.post
    worker = world.a.people["worker"]
    count = session.exec(select(func.count()).select_from(Flashcard).where(Flashcard.post_id == post.id)).one()
    assert count > 0  # written when the world's post was published
    writes: list[str] = []

    def record(conn, cursor, statement, parameters, context, executemany) -> None:  # type: ignore[no-untyped-def]
        if statement.lstrip().upper().startswith(("INSERT", "UPDATE", "DELETE")):
            writes.append(statement)

    engine = session.get_bind()
    event.listen(engine, "before_cursor_execute", record)
    try:
        views = drill.flashcards_for(session, person=worker, post=post, now=world.clock(), due_only=False)
        session.flush()
    finally:
        event.remove(engine, "before_cursor_execute", record)
    assert views and writes == []


def test_a_new_version_moves_the_cards_when_published(session: Session, world: World) -> None:
    post = world.a.post
    changed = minimal_post(risks=[{**minimal_post().model_dump(mode="json")["risks"][0], "hazard": "缺氧窒息"}])
    import_posts(
        session,
        enterprise_id=world.a.enterprise.id,
        posts=[(changed, "p.yaml")],
        actor=None,
        now=world.clock(),
        publish=True,
    )
    session.commit()
    session.refresh(post)
    versions = set(session.exec(select(Flashcard.post_version).where(Flashcard.post_id == post.id)).all())
    assert versions == {post.published_version}


def test_an_upgraded_database_gets_its_flashcards_once_after_migrating(tmp_path: Path) -> None:
    engine = make_engine(
        Settings(instance_dir=tmp_path, database_url=f"sqlite:///{tmp_path / 'old.db'}", secret_key="x")
    )
    upgrade_to_head(engine)
    with Session(engine) as session:
        region = Region(code="R", name="区")
        session.add(region)
        session.flush()
        enterprise = Enterprise(code="E", name="企", industry="non_coal_mine", region_id=region.id)
        session.add(enterprise)
        session.flush()
        [outcome] = import_posts(
            session,
            enterprise_id=enterprise.id,
            posts=[(minimal_post(), "p.yaml")],
            actor=None,
            now=utcnow(),
            publish=True,
        )
        person = Person(enterprise_id=enterprise.id, username="w", name="工", role=Role.worker)
        session.add(person)
        session.flush()
        session.add(PersonPost(person_id=person.id, post_id=outcome.post.id))
        for row in session.exec(select(Flashcard)).all():  # as a release that made them on first read left it
            session.delete(row)
        session.commit()
    upgrade_to_head(engine)  # nothing to migrate; the cards are brought up
    with Session(engine) as session:
        assert session.exec(select(func.count()).select_from(Flashcard)).one() > 0
    engine.dispose()

"""answering core: rounds, frozen questions, answers

Quiz attempts and pre-shift meetings each had their own frozen-question and answer tables; both
become rounds of one core (app.rounds). Every attempt and every meeting gets a round; their
questions and answers move into `round_question` and `round_answer`; the old tables go.

Ids the URLs and pages use stay: attempt and meeting ids do not change, a quiz's question and
answer ids do not change, and a quiz attempt's round id is the attempt's id. Meetings' rounds,
questions and answers are numbered after the quiz ones (id + the largest quiz id), so a meeting
page left open across the upgrade must be reloaded before its next answer. The SQL is plain
INSERT … SELECT that SQLite and PostgreSQL both run.

Revision ID: f8eefba40316
Revises: 5ccd4baec4e3
Create Date: 2026-12-03 12:02:22.559582
"""
from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from datetime import timedelta

import sqlalchemy as sa
import sqlmodel

import app.db
from alembic import op

revision: str = 'f8eefba40316'
down_revision: str | None = '5ccd4baec4e3'
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

QUIZ_GRACE_S = 2  # app.quiz.service.GRACE when this revision was written
MEETING_MAX_OPEN = timedelta(hours=12)  # app.meeting.service.MAX_OPEN when this revision was written
QUESTION_COLUMNS = (
    "position, question_key, family, type, dimension, stem, options, answer, explanation, source, quote"
)


def _run(sql: str, **params: object) -> sa.CursorResult:
    return op.get_bind().execute(sa.text(sql), params)


def _largest_id(table: str) -> int:
    return int(_run(f"SELECT COALESCE(MAX(id), 0) FROM {table}").scalar_one())


def _restart_ids(*tables: str) -> None:
    """Rows were inserted with their ids: PostgreSQL's sequences must continue after them."""
    if op.get_bind().dialect.name != "postgresql":
        return
    for table in tables:
        _run(
            f"SELECT setval(pg_get_serial_sequence('{table}', 'id'), COALESCE((SELECT MAX(id) FROM {table}), 0) + 1, false)"
        )


def _add_round_id(table: str) -> None:
    with op.batch_alter_table(table, schema=None) as batch_op:
        batch_op.add_column(sa.Column('round_id', sa.Integer(), nullable=True))


@contextmanager
def _meeting_children_kept() -> Iterator[None]:
    """SQLite changes a table by rebuilding it (batch mode), and with foreign keys on, dropping the
    old `meeting` deletes its attendees (ON DELETE CASCADE) and unlinks proposals (SET NULL). Keep
    them aside and put them back."""
    if op.get_bind().dialect.name != "sqlite":
        yield
        return
    _run("CREATE TABLE _kept_attendee AS SELECT id, meeting_id, person_id, joined_at FROM meeting_attendee")
    _run("CREATE TABLE _kept_proposal AS SELECT id, meeting_id FROM proposal WHERE meeting_id IS NOT NULL")
    yield
    _run(
        "INSERT INTO meeting_attendee (id, meeting_id, person_id, joined_at) "
        "SELECT id, meeting_id, person_id, joined_at FROM _kept_attendee "
        "WHERE id NOT IN (SELECT id FROM meeting_attendee)"
    )
    _run(
        "UPDATE proposal SET meeting_id = (SELECT k.meeting_id FROM _kept_proposal k WHERE k.id = proposal.id) "
        "WHERE id IN (SELECT id FROM _kept_proposal)"
    )
    _run("DROP TABLE _kept_attendee")
    _run("DROP TABLE _kept_proposal")


def _require_round_id(table: str) -> None:
    with _meeting_children_kept(), op.batch_alter_table(table, schema=None) as batch_op:
        batch_op.alter_column('round_id', existing_type=sa.Integer(), nullable=False)
        batch_op.create_unique_constraint(f'uq_{table}_round_id', ['round_id'])
        batch_op.create_foreign_key(f'fk_{table}_round_id_round', 'round', ['round_id'], ['id'])


def _drop_round_id(table: str) -> None:
    with _meeting_children_kept(), op.batch_alter_table(table, schema=None) as batch_op:
        batch_op.drop_constraint(f'fk_{table}_round_id_round', type_='foreignkey')
        batch_op.drop_constraint(f'uq_{table}_round_id', type_='unique')
        batch_op.drop_column('round_id')


def _move_rows() -> None:
    quiz_offset = _largest_id("quiz_attempt")
    question_offset = _largest_id("attempt_question")
    answer_offset = _largest_id("attempt_answer")
    _run(
        "INSERT INTO round (id, kind, enterprise_id, opens_at, closes_at, grace_s, closed_at) "
        "SELECT id, 'quiz', enterprise_id, started_at, deadline, :grace, submitted_at FROM quiz_attempt",
        grace=QUIZ_GRACE_S,
    )
    _run(
        "INSERT INTO round (id, kind, enterprise_id, opens_at, closes_at, grace_s, closed_at) "
        "SELECT id + :offset, 'meeting', enterprise_id, started_at, started_at, 0, ended_at FROM meeting",
        offset=quiz_offset,
    )
    # a meeting closes MAX_OPEN after its start: computed here, date arithmetic differs between databases
    meeting = sa.table('meeting', sa.column('id', sa.Integer()), sa.column('started_at', app.db.UTCDateTime()))
    round_ = sa.table('round', sa.column('id', sa.Integer()), sa.column('closes_at', app.db.UTCDateTime()))
    starts = op.get_bind().execute(sa.select(meeting.c.id, meeting.c.started_at)).all()
    if starts:
        op.get_bind().execute(
            round_.update().where(round_.c.id == sa.bindparam('round_id')).values(closes_at=sa.bindparam('closes')),
            [{'round_id': id_ + quiz_offset, 'closes': started + MEETING_MAX_OPEN} for id_, started in starts],
        )
    _run("UPDATE quiz_attempt SET round_id = id")
    _run("UPDATE meeting SET round_id = id + :offset", offset=quiz_offset)
    _run(
        f"INSERT INTO round_question (id, round_id, {QUESTION_COLUMNS}) "
        f"SELECT id, attempt_id, {QUESTION_COLUMNS} FROM attempt_question"
    )
    _run(
        f"INSERT INTO round_question (id, round_id, {QUESTION_COLUMNS}) "
        f"SELECT id + :questions, meeting_id + :offset, {QUESTION_COLUMNS} FROM meeting_question",
        questions=question_offset,
        offset=quiz_offset,
    )
    _run(
        "INSERT INTO round_answer (id, round_id, question_id, person_id, given, correct, answered_at) "
        "SELECT a.id, a.attempt_id, a.question_id, t.person_id, a.given, a.correct, a.answered_at "
        "FROM attempt_answer a JOIN quiz_attempt t ON t.id = a.attempt_id"
    )
    _run(
        "INSERT INTO round_answer (id, round_id, question_id, person_id, given, correct, answered_at) "
        "SELECT id + :answers, meeting_id + :offset, question_id + :questions, person_id, given, correct, answered_at "
        "FROM meeting_answer",
        answers=answer_offset,
        questions=question_offset,
        offset=quiz_offset,
    )
    _restart_ids("round", "round_question", "round_answer")


def _move_rows_back() -> None:
    """Back into the old tables, through `_round_owner` (round id → attempt or meeting id)."""
    question_columns = ', '.join('q.' + c.strip() for c in QUESTION_COLUMNS.split(','))
    for kind, table, owner in (('quiz', 'attempt_question', 'attempt_id'), ('meeting', 'meeting_question', 'meeting_id')):
        _run(
            f"INSERT INTO {table} (id, {owner}, {QUESTION_COLUMNS}) "
            f"SELECT q.id, o.owner_id, {question_columns} "
            "FROM round_question q JOIN _round_owner o ON o.round_id = q.round_id WHERE o.kind = :kind",
            kind=kind,
        )
    _run(
        "INSERT INTO attempt_answer (id, attempt_id, question_id, given, correct, answered_at) "
        "SELECT a.id, o.owner_id, a.question_id, a.given, a.correct, a.answered_at "
        "FROM round_answer a JOIN _round_owner o ON o.round_id = a.round_id WHERE o.kind = 'quiz'"
    )
    _run(
        "INSERT INTO meeting_answer (id, meeting_id, person_id, question_id, given, correct, answered_at) "
        "SELECT a.id, o.owner_id, a.person_id, a.question_id, a.given, a.correct, a.answered_at "
        "FROM round_answer a JOIN _round_owner o ON o.round_id = a.round_id WHERE o.kind = 'meeting'"
    )
    _restart_ids("attempt_question", "meeting_question", "attempt_answer", "meeting_answer")


def upgrade() -> None:
    op.create_table('round',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('kind', sqlmodel.sql.sqltypes.AutoString(length=12), nullable=False),
    sa.Column('enterprise_id', sa.Integer(), nullable=False),
    sa.Column('opens_at', app.db.UTCDateTime(timezone=True), nullable=False),
    sa.Column('closes_at', app.db.UTCDateTime(timezone=True), nullable=False),
    sa.Column('grace_s', sa.Integer(), nullable=False),
    sa.Column('closed_at', app.db.UTCDateTime(timezone=True), nullable=True),
    sa.ForeignKeyConstraint(['enterprise_id'], ['enterprise.id'], ),
    sa.PrimaryKeyConstraint('id')
    )
    with op.batch_alter_table('round', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_round_enterprise_id'), ['enterprise_id'], unique=False)

    op.create_table('round_question',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('round_id', sa.Integer(), nullable=False),
    sa.Column('position', sa.Integer(), nullable=False),
    sa.Column('question_key', sqlmodel.sql.sqltypes.AutoString(length=200), nullable=False),
    sa.Column('family', sqlmodel.sql.sqltypes.AutoString(length=40), nullable=False),
    sa.Column('type', sqlmodel.sql.sqltypes.AutoString(length=8), nullable=False),
    sa.Column('dimension', sqlmodel.sql.sqltypes.AutoString(length=10), nullable=False),
    sa.Column('stem', sqlmodel.sql.sqltypes.AutoString(length=1000), nullable=False),
    sa.Column('options', sa.JSON(), nullable=False),
    sa.Column('answer', sa.JSON(), nullable=False),
    sa.Column('explanation', sqlmodel.sql.sqltypes.AutoString(length=1000), nullable=False),
    sa.Column('source', sqlmodel.sql.sqltypes.AutoString(length=200), nullable=False),
    sa.Column('quote', sqlmodel.sql.sqltypes.AutoString(length=1000), nullable=False),
    sa.ForeignKeyConstraint(['round_id'], ['round.id'], ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id'),
    sa.UniqueConstraint('round_id', 'position')
    )
    with op.batch_alter_table('round_question', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_round_question_question_key'), ['question_key'], unique=False)
        batch_op.create_index(batch_op.f('ix_round_question_round_id'), ['round_id'], unique=False)

    op.create_table('round_answer',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('round_id', sa.Integer(), nullable=False),
    sa.Column('question_id', sa.Integer(), nullable=False),
    sa.Column('person_id', sa.Integer(), nullable=False),
    sa.Column('given', sa.JSON(), nullable=False),
    sa.Column('correct', sa.Boolean(), nullable=False),
    sa.Column('answered_at', app.db.UTCDateTime(timezone=True), nullable=False),
    sa.ForeignKeyConstraint(['person_id'], ['person.id'], ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['question_id'], ['round_question.id'], ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['round_id'], ['round.id'], ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id'),
    sa.UniqueConstraint('question_id', 'person_id')
    )
    with op.batch_alter_table('round_answer', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_round_answer_person_id'), ['person_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_round_answer_question_id'), ['question_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_round_answer_round_id'), ['round_id'], unique=False)

    _add_round_id('quiz_attempt')
    _add_round_id('meeting')
    _move_rows()

    op.drop_table('attempt_answer')
    op.drop_table('meeting_answer')
    op.drop_table('attempt_question')
    op.drop_table('meeting_question')
    _require_round_id('quiz_attempt')
    _require_round_id('meeting')


def downgrade() -> None:
    _run(
        "CREATE TABLE _round_owner AS "
        "SELECT round_id, 'quiz' AS kind, id AS owner_id FROM quiz_attempt "
        "UNION ALL SELECT round_id, 'meeting' AS kind, id AS owner_id FROM meeting"
    )
    _drop_round_id('quiz_attempt')
    _drop_round_id('meeting')

    op.create_table('meeting_question',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('meeting_id', sa.Integer(), nullable=False),
    sa.Column('position', sa.Integer(), nullable=False),
    sa.Column('question_key', sqlmodel.sql.sqltypes.AutoString(length=200), nullable=False),
    sa.Column('family', sqlmodel.sql.sqltypes.AutoString(length=40), nullable=False),
    sa.Column('type', sqlmodel.sql.sqltypes.AutoString(length=8), nullable=False),
    sa.Column('dimension', sqlmodel.sql.sqltypes.AutoString(length=10), nullable=False),
    sa.Column('stem', sqlmodel.sql.sqltypes.AutoString(length=1000), nullable=False),
    sa.Column('options', sa.JSON(), nullable=False),
    sa.Column('answer', sa.JSON(), nullable=False),
    sa.Column('explanation', sqlmodel.sql.sqltypes.AutoString(length=1000), nullable=False),
    sa.Column('source', sqlmodel.sql.sqltypes.AutoString(length=200), nullable=False),
    sa.Column('quote', sqlmodel.sql.sqltypes.AutoString(length=1000), nullable=False),
    sa.ForeignKeyConstraint(['meeting_id'], ['meeting.id'], ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id'),
    sa.UniqueConstraint('meeting_id', 'position')
    )
    with op.batch_alter_table('meeting_question', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_meeting_question_question_key'), ['question_key'], unique=False)
        batch_op.create_index(batch_op.f('ix_meeting_question_meeting_id'), ['meeting_id'], unique=False)

    op.create_table('attempt_question',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('attempt_id', sa.Integer(), nullable=False),
    sa.Column('position', sa.Integer(), nullable=False),
    sa.Column('question_key', sqlmodel.sql.sqltypes.AutoString(length=200), nullable=False),
    sa.Column('family', sqlmodel.sql.sqltypes.AutoString(length=40), nullable=False),
    sa.Column('type', sqlmodel.sql.sqltypes.AutoString(length=8), nullable=False),
    sa.Column('dimension', sqlmodel.sql.sqltypes.AutoString(length=10), nullable=False),
    sa.Column('stem', sqlmodel.sql.sqltypes.AutoString(length=1000), nullable=False),
    sa.Column('options', sa.JSON(), nullable=False),
    sa.Column('answer', sa.JSON(), nullable=False),
    sa.Column('explanation', sqlmodel.sql.sqltypes.AutoString(length=1000), nullable=False),
    sa.Column('source', sqlmodel.sql.sqltypes.AutoString(length=200), nullable=False),
    sa.Column('quote', sqlmodel.sql.sqltypes.AutoString(length=1000), nullable=False),
    sa.ForeignKeyConstraint(['attempt_id'], ['quiz_attempt.id'], ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id'),
    sa.UniqueConstraint('attempt_id', 'position')
    )
    with op.batch_alter_table('attempt_question', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_attempt_question_question_key'), ['question_key'], unique=False)
        batch_op.create_index(batch_op.f('ix_attempt_question_attempt_id'), ['attempt_id'], unique=False)

    op.create_table('meeting_answer',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('meeting_id', sa.Integer(), nullable=False),
    sa.Column('person_id', sa.Integer(), nullable=False),
    sa.Column('question_id', sa.Integer(), nullable=False),
    sa.Column('given', sa.JSON(), nullable=False),
    sa.Column('correct', sa.Boolean(), nullable=False),
    sa.Column('answered_at', app.db.UTCDateTime(timezone=True), nullable=False),
    sa.ForeignKeyConstraint(['meeting_id'], ['meeting.id'], ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['person_id'], ['person.id'], ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['question_id'], ['meeting_question.id'], ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id'),
    sa.UniqueConstraint('person_id', 'question_id')
    )
    with op.batch_alter_table('meeting_answer', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_meeting_answer_question_id'), ['question_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_meeting_answer_person_id'), ['person_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_meeting_answer_meeting_id'), ['meeting_id'], unique=False)

    op.create_table('attempt_answer',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('attempt_id', sa.Integer(), nullable=False),
    sa.Column('question_id', sa.Integer(), nullable=False),
    sa.Column('given', sa.JSON(), nullable=False),
    sa.Column('correct', sa.Boolean(), nullable=False),
    sa.Column('answered_at', app.db.UTCDateTime(timezone=True), nullable=False),
    sa.ForeignKeyConstraint(['attempt_id'], ['quiz_attempt.id'], ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['question_id'], ['attempt_question.id'], ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id'),
    sa.UniqueConstraint('question_id')
    )
    with op.batch_alter_table('attempt_answer', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_attempt_answer_attempt_id'), ['attempt_id'], unique=False)

    _move_rows_back()
    _run("DROP TABLE _round_owner")
    op.drop_table('round_answer')  # their indexes go with them
    op.drop_table('round_question')
    op.drop_table('round')

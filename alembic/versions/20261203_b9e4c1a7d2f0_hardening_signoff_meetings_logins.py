"""hardening: plausible checklist time, known run start, login slow-down instead of lock-out

The login counters are short-lived (minutes): the table is recreated under its new keys rather
than converted, which at worst forgets a few minutes of failures once.

Revision ID: b9e4c1a7d2f0
Revises: 4b1e9a7c2d10
Create Date: 2026-12-01 09:00:00
"""
from collections.abc import Sequence

import sqlalchemy as sa
import sqlmodel
from alembic import op

import app.db


revision: str = 'b9e4c1a7d2f0'
down_revision: str | None = '4b1e9a7c2d10'
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.drop_table('login_failure')
    op.create_table('login_failure',
    sa.Column('key', sqlmodel.sql.sqltypes.AutoString(length=200), nullable=False),
    sa.Column('failures', sa.Integer(), nullable=False),
    sa.Column('last_failed_at', app.db.UTCDateTime(timezone=True), nullable=False),
    sa.Column('wait_until', app.db.UTCDateTime(timezone=True), nullable=True),
    sa.PrimaryKeyConstraint('key')
    )

    with op.batch_alter_table('enterprise', schema=None) as batch_op:
        batch_op.add_column(sa.Column('checklist_min_seconds', sa.Integer(), nullable=False, server_default='2'))

    with op.batch_alter_table('checklist_run', schema=None) as batch_op:
        batch_op.add_column(sa.Column('start_known', sa.Boolean(), nullable=False, server_default=sa.false()))


def downgrade() -> None:
    op.drop_table('login_failure')
    op.create_table('login_failure',
    sa.Column('key', sqlmodel.sql.sqltypes.AutoString(length=200), nullable=False),
    sa.Column('failures', sa.Integer(), nullable=False),
    sa.Column('window_started_at', app.db.UTCDateTime(timezone=True), nullable=False),
    sa.Column('locked_until', app.db.UTCDateTime(timezone=True), nullable=True),
    sa.PrimaryKeyConstraint('key')
    )

    with op.batch_alter_table('checklist_run', schema=None) as batch_op:
        batch_op.drop_column('start_known')

    with op.batch_alter_table('enterprise', schema=None) as batch_op:
        batch_op.drop_column('checklist_min_seconds')

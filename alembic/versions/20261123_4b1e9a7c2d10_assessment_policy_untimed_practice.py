"""assessment policy per enterprise; untimed practice

Revision ID: 4b1e9a7c2d10
Revises: a1c3e5f7b9d2
Create Date: 2026-11-23 09:00:00
"""
from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op


revision: str = '4b1e9a7c2d10'
down_revision: str | None = 'a1c3e5f7b9d2'
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    # existing enterprises get what assessments used until now: 20 questions, 60 s each
    with op.batch_alter_table('enterprise') as batch:
        batch.add_column(sa.Column('assessment_question_count', sa.Integer(), nullable=False, server_default='20'))
        batch.add_column(sa.Column('assessment_time_limit_s', sa.Integer(), nullable=False, server_default='1200'))
    # every attempt so far had a countdown
    with op.batch_alter_table('quiz_attempt') as batch:
        batch.add_column(sa.Column('timed', sa.Boolean(), nullable=False, server_default=sa.true()))


def downgrade() -> None:
    with op.batch_alter_table('quiz_attempt') as batch:
        batch.drop_column('timed')
    with op.batch_alter_table('enterprise') as batch:
        batch.drop_column('assessment_time_limit_s')
        batch.drop_column('assessment_question_count')

"""hardening: plausible checklist time, known run start

Revision ID: b9e4c1a7d2f0
Revises: 052040cd878f
Create Date: 2026-12-01 09:00:00
"""
from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op


revision: str = 'b9e4c1a7d2f0'
down_revision: str | None = '052040cd878f'
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    with op.batch_alter_table('enterprise', schema=None) as batch_op:
        batch_op.add_column(sa.Column('checklist_min_seconds', sa.Integer(), nullable=False, server_default='2'))

    with op.batch_alter_table('checklist_run', schema=None) as batch_op:
        batch_op.add_column(sa.Column('start_known', sa.Boolean(), nullable=False, server_default=sa.false()))


def downgrade() -> None:
    with op.batch_alter_table('checklist_run', schema=None) as batch_op:
        batch_op.drop_column('start_known')

    with op.batch_alter_table('enterprise', schema=None) as batch_op:
        batch_op.drop_column('checklist_min_seconds')

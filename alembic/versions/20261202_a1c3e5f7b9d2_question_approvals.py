"""question approvals: who approved which question for assessments, as it was then

Revision ID: a1c3e5f7b9d2
Revises: 052040cd878f
Create Date: 2026-12-02 18:30:00
"""

from collections.abc import Sequence

import sqlalchemy as sa
import sqlmodel
from alembic import op

import app.db

revision: str = "a1c3e5f7b9d2"
down_revision: str | None = "052040cd878f"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    with op.batch_alter_table("question_override", schema=None) as batch_op:
        batch_op.add_column(sa.Column("approved_fingerprint", sqlmodel.sql.sqltypes.AutoString(length=64), nullable=True))
        batch_op.add_column(sa.Column("approved_by_id", sa.Integer(), nullable=True))
        batch_op.add_column(sa.Column("approved_at", app.db.UTCDateTime(), nullable=True))
        batch_op.create_foreign_key(
            "fk_question_override_approved_by_id_person", "person", ["approved_by_id"], ["id"], ondelete="SET NULL"
        )


def downgrade() -> None:
    with op.batch_alter_table("question_override", schema=None) as batch_op:
        batch_op.drop_constraint("fk_question_override_approved_by_id_person", type_="foreignkey")
        batch_op.drop_column("approved_at")
        batch_op.drop_column("approved_by_id")
        batch_op.drop_column("approved_fingerprint")

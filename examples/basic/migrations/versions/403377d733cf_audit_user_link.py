"""link audit events to users

Revision ID: 403377d733cf
Revises: d2f740c29864
Create Date: 2024-02-03 15:20:00.000000

"""
from typing import Sequence, Union

from alembic import op
import sqlalchemy as sa


# revision identifiers, used by Alembic.
revision: str = "403377d733cf"
down_revision: Union[str, Sequence[str], None] = "d2f740c29864"
branch_labels: Union[str, Sequence[str], None] = None
depends_on: Union[str, Sequence[str], None] = ("8a28c0ec9853",)


def upgrade() -> None:
    op.add_column("audit_log", sa.Column("user_id", sa.Integer(), sa.ForeignKey("users.id")))


def downgrade() -> None:
    op.drop_column("audit_log", "user_id")

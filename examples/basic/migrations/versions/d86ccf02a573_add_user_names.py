"""add user names

Revision ID: d86ccf02a573
Revises: f47a38e92529
Create Date: 2024-01-12 09:30:00.000000

"""
from typing import Sequence, Union

from alembic import op
import sqlalchemy as sa


# revision identifiers, used by Alembic.
revision: str = "d86ccf02a573"
down_revision: Union[str, Sequence[str], None] = "f47a38e92529"
branch_labels: Union[str, Sequence[str], None] = None
depends_on: Union[str, Sequence[str], None] = None


def upgrade() -> None:
    op.add_column("users", sa.Column("name", sa.String(length=100)))


def downgrade() -> None:
    op.drop_column("users", "name")

"""add user names

Revision ID: db187e54b904
Revises: 68c4691444a8
Create Date: 2024-03-06 11:05:19.004123

"""
from typing import Sequence, Union

from alembic import op
import sqlalchemy as sa


# revision identifiers, used by Alembic.
revision: str = "db187e54b904"
down_revision: Union[str, Sequence[str], None] = "c2a6eef40a3c"
branch_labels: Union[str, Sequence[str], None] = None
depends_on: Union[str, Sequence[str], None] = None


def upgrade() -> None:
    op.add_column("users", sa.Column("name", sa.String(length=100)))


def downgrade() -> None:
    op.drop_column("users", "name")

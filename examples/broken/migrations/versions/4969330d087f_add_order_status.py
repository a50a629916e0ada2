"""add order status

Revision ID: 4969330d087f
Revises: c2a6eef40a3c
Create Date: 2024-03-07 10:31:55.781002

"""
from typing import Sequence, Union

from alembic import op
import sqlalchemy as sa


# revision identifiers, used by Alembic.
revision: str = "4969330d087f"
down_revision: Union[str, Sequence[str], None] = "c2a6eef40a3c"
branch_labels: Union[str, Sequence[str], None] = None
depends_on: Union[str, Sequence[str], None] = None


def upgrade() -> None:
    op.add_column("orders", sa.Column("status", sa.String(length=20), server_default="new"))


def downgrade() -> None:
    pass

"""merge names and orders

Revision ID: 8a28c0ec9853
Revises: d86ccf02a573, 58ad0063f3b5
Create Date: 2024-01-14 12:00:00.000000

"""
from typing import Sequence, Union

from alembic import op
import sqlalchemy as sa


# revision identifiers, used by Alembic.
revision: str = "8a28c0ec9853"
down_revision: Union[str, Sequence[str], None] = ("d86ccf02a573", "58ad0063f3b5")
branch_labels: Union[str, Sequence[str], None] = None
depends_on: Union[str, Sequence[str], None] = None


def upgrade() -> None:
    pass


def downgrade() -> None:
    pass

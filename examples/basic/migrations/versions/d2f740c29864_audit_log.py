# Revision ID: d2f740c29864
# Revises:
# Create Date: 2024-02-01
from alembic import op
import sqlalchemy as sa

revision = "d2f740c29864"
down_revision = None
branch_labels = ("audit",)
depends_on = None


def upgrade():
    op.create_table("audit_log", sa.Column("id", sa.BigInteger(), primary_key=True), sa.Column("event", sa.Text()))


def downgrade():
    op.drop_table("audit_log")

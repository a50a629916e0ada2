from alembic import op
import sqlalchemy as sa

"""create orders

Revision ID: 58ad0063f3b5
Revises: f47a38e92529
Create Date: 2024-01-13 10:00:00

"""

revision = '58ad0063f3b5'
down_revision = 'f47a38e92529'
branch_labels = None
depends_on = None


def upgrade():
    op.create_table(
        'orders',
        sa.Column('id', sa.Integer(), nullable=False),
        sa.Column('user_id', sa.Integer(), sa.ForeignKey('users.id')),
        sa.PrimaryKeyConstraint('id'),
    )


def downgrade():
    op.drop_table('orders')

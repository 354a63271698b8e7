"""counter last seen (console heartbeat)

Revision ID: 0004_counter_seen
Revises: 0003_inventory
Create Date: 2026-11-23 15:40:00

"""
from alembic import op
import sqlalchemy as sa


revision = '0004_counter_seen'
down_revision = '0003_inventory'
branch_labels = None
depends_on = None


def upgrade():
    with op.batch_alter_table('counter', schema=None) as batch_op:
        batch_op.add_column(sa.Column('last_seen_at', sa.DateTime(), nullable=True))


def downgrade():
    with op.batch_alter_table('counter', schema=None) as batch_op:
        batch_op.drop_column('last_seen_at')

"""stock alert detail: the alert's reason and figures, so its sentence is written in the reader's language

Revision ID: 0008_clerk
Revises: 0007_tv
Create Date: 2026-11-29 01:00:00

"""
from alembic import op
import sqlalchemy as sa


revision = '0008_clerk'
down_revision = '0007_tv'
branch_labels = None
depends_on = None


def upgrade():
    with op.batch_alter_table('stock_alert', schema=None) as batch_op:
        batch_op.add_column(sa.Column('detail', sa.Text(), server_default='', nullable=False))


def downgrade():
    with op.batch_alter_table('stock_alert', schema=None) as batch_op:
        batch_op.drop_column('detail')

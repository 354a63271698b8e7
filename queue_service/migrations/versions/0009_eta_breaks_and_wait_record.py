"""counter breaks, the record of shown wait estimates, ticket-event indexes for the estimates' history

Revision ID: 0009_eta
Revises: 0008_clerk
Create Date: 2026-11-24 10:00:00

"""
from alembic import op
import sqlalchemy as sa


revision = '0009_eta'
down_revision = '0008_clerk'
branch_labels = None
depends_on = None


def upgrade():
    with op.batch_alter_table('counter', schema=None) as batch_op:
        batch_op.add_column(sa.Column('break_until', sa.DateTime(), nullable=True))

    with op.batch_alter_table('ticket_event', schema=None) as batch_op:
        batch_op.create_index('ix_ticket_event_action_at', ['action', 'at'], unique=False)
        batch_op.create_index('ix_ticket_event_counter_at', ['counter_id', 'at'], unique=False)

    op.create_table('wait_estimate',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('office_id', sa.Integer(), nullable=False),
    sa.Column('ticket_id', sa.Integer(), nullable=False),
    sa.Column('service_id', sa.Integer(), nullable=False),
    sa.Column('shown_at', sa.DateTime(), nullable=False),
    sa.Column('source', sa.String(length=8), nullable=False),
    sa.Column('position', sa.Integer(), nullable=True),
    sa.Column('model_mean', sa.Float(), nullable=False),
    sa.Column('model_p10', sa.Float(), nullable=False),
    sa.Column('model_p50', sa.Float(), nullable=False),
    sa.Column('model_p90', sa.Float(), nullable=False),
    sa.Column('minutes', sa.Integer(), nullable=False),
    sa.Column('low', sa.Integer(), nullable=False),
    sa.Column('high', sa.Integer(), nullable=False),
    sa.CheckConstraint("source IN ('issue', 'status', 'push')", name=op.f('ck_wait_estimate_source')),
    sa.ForeignKeyConstraint(['office_id'], ['office.id'], name=op.f('fk_wait_estimate_office_id_office'), ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['service_id'], ['service.id'], name=op.f('fk_wait_estimate_service_id_service'), ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['ticket_id'], ['ticket.id'], name=op.f('fk_wait_estimate_ticket_id_ticket'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_wait_estimate'))
    )
    with op.batch_alter_table('wait_estimate', schema=None) as batch_op:
        batch_op.create_index('ix_wait_estimate_office_shown', ['office_id', 'shown_at'], unique=False)
        batch_op.create_index(batch_op.f('ix_wait_estimate_ticket_id'), ['ticket_id'], unique=False)


def downgrade():
    with op.batch_alter_table('wait_estimate', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_wait_estimate_ticket_id'))
        batch_op.drop_index('ix_wait_estimate_office_shown')
    op.drop_table('wait_estimate')

    with op.batch_alter_table('ticket_event', schema=None) as batch_op:
        batch_op.drop_index('ix_ticket_event_counter_at')
        batch_op.drop_index('ix_ticket_event_action_at')

    with op.batch_alter_table('counter', schema=None) as batch_op:
        batch_op.drop_column('break_until')

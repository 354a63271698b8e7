"""queue figures: rollup tables (cells, staff, hours, days, months), target waits, citizens turned away at the quota

Revision ID: 0011_reports
Revises: 0010_bookings
Create Date: 2026-11-29 01:00:00

"""
from alembic import op
import sqlalchemy as sa


revision = '0011_reports'
down_revision = '0010_bookings'
branch_labels = None
depends_on = None

SUMS = ['issued', 'served', 'no_show', 'cancelled', 'expired', 'wait_n', 'wait_sum', 'service_n', 'service_sum']


def _values():
    cols = [sa.Column(c, sa.Float() if c.endswith('_sum') else sa.Integer(), nullable=False) for c in SUMS]
    return cols + [sa.Column('wait_hist', sa.LargeBinary(), nullable=False),
                   sa.Column('service_hist', sa.LargeBinary(), nullable=False)]


def upgrade():
    op.create_table('report_cell',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('office_id', sa.Integer(), nullable=False),
    sa.Column('day', sa.Date(), nullable=False),
    sa.Column('hour', sa.SmallInteger(), nullable=False),
    sa.Column('service_id', sa.Integer(), nullable=False),
    *_values(),
    sa.ForeignKeyConstraint(['office_id'], ['office.id'], name=op.f('fk_report_cell_office_id_office'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_report_cell'))
    )
    op.create_index('ix_report_cell_office_day', 'report_cell', ['office_id', 'day'], unique=False)
    op.create_table('report_staff',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('office_id', sa.Integer(), nullable=False),
    sa.Column('day', sa.Date(), nullable=False),
    sa.Column('service_id', sa.Integer(), nullable=False),
    sa.Column('counter_id', sa.Integer(), nullable=True),
    sa.Column('clerk', sa.String(length=60), nullable=False),
    *_values(),
    sa.ForeignKeyConstraint(['office_id'], ['office.id'], name=op.f('fk_report_staff_office_id_office'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_report_staff'))
    )
    op.create_index('ix_report_staff_office_day', 'report_staff', ['office_id', 'day'], unique=False)
    op.create_table('report_hour',
    sa.Column('office_id', sa.Integer(), nullable=False),
    sa.Column('day', sa.Date(), nullable=False),
    sa.Column('hour', sa.SmallInteger(), nullable=False),
    sa.Column('counters_open', sa.Integer(), nullable=False),
    sa.ForeignKeyConstraint(['office_id'], ['office.id'], name=op.f('fk_report_hour_office_id_office'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('office_id', 'day', 'hour', name=op.f('pk_report_hour'))
    )
    op.create_table('report_day',
    sa.Column('office_id', sa.Integer(), nullable=False),
    sa.Column('day', sa.Date(), nullable=False),
    sa.Column('tickets', sa.Integer(), nullable=False),
    sa.Column('built_at', sa.DateTime(), nullable=False),
    sa.ForeignKeyConstraint(['office_id'], ['office.id'], name=op.f('fk_report_day_office_id_office'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('office_id', 'day', name=op.f('pk_report_day'))
    )
    op.create_table('report_target',
    sa.Column('service_id', sa.Integer(), nullable=False),
    sa.Column('target_wait_s', sa.Integer(), nullable=False),
    sa.ForeignKeyConstraint(['service_id'], ['service.id'], name=op.f('fk_report_target_service_id_service'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('service_id', name=op.f('pk_report_target'))
    )
    op.create_table('report_turned_away',
    sa.Column('office_id', sa.Integer(), nullable=False),
    sa.Column('day', sa.Date(), nullable=False),
    sa.Column('service_id', sa.Integer(), nullable=False),
    sa.Column('reason', sa.String(length=16), nullable=False),
    sa.Column('count', sa.Integer(), nullable=False),
    sa.ForeignKeyConstraint(['office_id'], ['office.id'], name=op.f('fk_report_turned_away_office_id_office'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('office_id', 'day', 'service_id', 'reason', name=op.f('pk_report_turned_away'))
    )

    op.create_table('report_month',
    sa.Column('office_id', sa.Integer(), nullable=False),
    sa.Column('month', sa.Date(), nullable=False),
    sa.Column('service_id', sa.Integer(), nullable=False),
    *_values(),
    sa.ForeignKeyConstraint(['office_id'], ['office.id'], name=op.f('fk_report_month_office_id_office'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('office_id', 'month', 'service_id', name=op.f('pk_report_month'))
    )

def downgrade():
    for table in ('report_month', 'report_turned_away', 'report_target', 'report_day', 'report_hour'):
        op.drop_table(table)
    op.drop_index('ix_report_staff_office_day', table_name='report_staff')
    op.drop_table('report_staff')
    op.drop_index('ix_report_cell_office_day', table_name='report_cell')
    op.drop_table('report_cell')

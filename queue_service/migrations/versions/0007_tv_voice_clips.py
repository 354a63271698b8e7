"""voice clips and the browser voice preference

Revision ID: 0007_tv
Revises: 0006_sec
Create Date: 2026-11-29 00:15:15

An office's own recorded announcement clips, and its choice to use a browser's id-ID voice where one exists.

"""
from alembic import op
import sqlalchemy as sa

revision = '0007_tv'
down_revision = '0006_sec'
branch_labels = None
depends_on = None


def upgrade():
    op.create_table('voice_clip',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('office_id', sa.Integer(), nullable=False),
    sa.Column('part', sa.String(length=40), nullable=False),
    sa.Column('content_type', sa.String(length=40), nullable=False),
    sa.Column('size', sa.Integer(), nullable=False),
    sa.Column('sha256', sa.String(length=64), nullable=False),
    sa.Column('data', sa.LargeBinary(), nullable=False),
    sa.Column('filename', sa.String(length=200), nullable=False),
    sa.Column('uploaded_at', sa.DateTime(), nullable=False),
    sa.Column('uploaded_by', sa.String(length=80), nullable=False),
    sa.ForeignKeyConstraint(['office_id'], ['office.id'], name=op.f('fk_voice_clip_office_id_office'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_voice_clip')),
    sa.UniqueConstraint('office_id', 'part', name=op.f('uq_voice_clip_office_id_part'))
    )
    with op.batch_alter_table('voice_clip', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_voice_clip_office_id'), ['office_id'], unique=False)

    with op.batch_alter_table('office', schema=None) as batch_op:
        batch_op.add_column(sa.Column('prefer_browser_voice', sa.Boolean(), server_default=sa.false(), nullable=False))



def downgrade():
    with op.batch_alter_table('office', schema=None) as batch_op:
        batch_op.drop_column('prefer_browser_voice')

    with op.batch_alter_table('voice_clip', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_voice_clip_office_id'))

    op.drop_table('voice_clip')

"""notices by e-mail and SMS: the outbox (notice), the patient's and relative's choice of
channel, and the relative's own mobile number and e-mail address

Revision ID: 0009
Revises: 0008
Create Date: 2026-11-25
"""
from alembic import op
import sqlalchemy as sa



revision = '0009'
down_revision = '0008'
branch_labels = None
depends_on = None

CHANNEL_CHOICE = "notice_channel IN ('email', 'sms', 'none')"


def upgrade() -> None:
    op.create_table('notice',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('kind', sa.String(length=20), nullable=False),
    sa.Column('channel', sa.String(length=5), nullable=False),
    sa.Column('recipient', sa.String(length=254), nullable=False),
    sa.Column('locale', sa.String(length=5), nullable=False),
    sa.Column('link', sa.String(length=500), nullable=True),
    sa.Column('patient_id', sa.Integer(), nullable=True),
    sa.Column('relative_id', sa.Integer(), nullable=True),
    sa.Column('invitation_id', sa.Integer(), nullable=True),
    sa.Column('organisation_id', sa.Integer(), nullable=True),
    sa.Column('touchpoint_id', sa.Integer(), nullable=True),
    sa.Column('dedupe_key', sa.String(length=200), nullable=False),
    sa.Column('status', sa.String(length=10), nullable=False),
    sa.Column('attempts', sa.Integer(), nullable=False),
    sa.Column('next_attempt_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('claimed_by', sa.String(length=120), nullable=True),
    sa.Column('claimed_at', sa.DateTime(timezone=True), nullable=True),
    sa.Column('sent_at', sa.DateTime(timezone=True), nullable=True),
    sa.Column('last_error', sa.String(length=200), nullable=True),
    sa.Column('created_at', sa.DateTime(timezone=True), nullable=False),
    sa.CheckConstraint("kind IN ('questionnaire_open', 'reminder', 'appointment', 'invitation', "
                       "'urgent_to_team')", name=op.f('ck_notice_kind')),
    sa.CheckConstraint("channel IN ('email', 'sms')", name=op.f('ck_notice_channel')),
    sa.CheckConstraint("status IN ('pending', 'sending', 'sent', 'failed', 'uncertain', "
                       "'cancelled')", name=op.f('ck_notice_status')),
    sa.CheckConstraint('attempts >= 0', name=op.f('ck_notice_attempts_not_negative')),
    sa.CheckConstraint("status <> 'sent' OR sent_at IS NOT NULL",
                       name=op.f('ck_notice_sent_has_time')),
    sa.CheckConstraint("status <> 'sending' OR (claimed_by IS NOT NULL AND "
                       "claimed_at IS NOT NULL)", name=op.f('ck_notice_sending_is_claimed')),
    sa.ForeignKeyConstraint(['invitation_id'], ['relative_invitation.id'],
                            name=op.f('fk_notice_invitation_id_relative_invitation')),
    sa.ForeignKeyConstraint(['organisation_id'], ['organisation.id'],
                            name=op.f('fk_notice_organisation_id_organisation')),
    sa.ForeignKeyConstraint(['patient_id'], ['patient.id'],
                            name=op.f('fk_notice_patient_id_patient')),
    sa.ForeignKeyConstraint(['relative_id'], ['relative.id'],
                            name=op.f('fk_notice_relative_id_relative')),
    sa.ForeignKeyConstraint(['touchpoint_id'], ['touchpoint.id'],
                            name=op.f('fk_notice_touchpoint_id_touchpoint')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_notice')),
    sa.UniqueConstraint('dedupe_key', name=op.f('uq_notice_dedupe_key'))
    )
    op.create_index('ix_notice_status_next_attempt', 'notice', ['status', 'next_attempt_at'],
                    unique=False)
    op.create_index(op.f('ix_notice_patient_id'), 'notice', ['patient_id'], unique=False)
    op.create_index(op.f('ix_notice_relative_id'), 'notice', ['relative_id'], unique=False)
    with op.batch_alter_table('patient', schema=None) as batch_op:
        batch_op.add_column(sa.Column('notice_channel', sa.String(length=5), nullable=True))
        batch_op.create_check_constraint(op.f('ck_patient_notice_channel'), CHANNEL_CHOICE)
    with op.batch_alter_table('relative', schema=None) as batch_op:
        batch_op.add_column(sa.Column('mobile', sa.String(length=20), nullable=True))
        batch_op.add_column(sa.Column('email', sa.String(length=254), nullable=True))
        batch_op.add_column(sa.Column('notice_channel', sa.String(length=5), nullable=True))
        batch_op.create_check_constraint(op.f('ck_relative_notice_channel'), CHANNEL_CHOICE)


def downgrade() -> None:
    with op.batch_alter_table('relative', schema=None) as batch_op:
        batch_op.drop_constraint(op.f('ck_relative_notice_channel'), type_='check')
        batch_op.drop_column('notice_channel')
        batch_op.drop_column('email')
        batch_op.drop_column('mobile')
    with op.batch_alter_table('patient', schema=None) as batch_op:
        batch_op.drop_constraint(op.f('ck_patient_notice_channel'), type_='check')
        batch_op.drop_column('notice_channel')
    op.drop_index(op.f('ix_notice_relative_id'), table_name='notice')
    op.drop_index(op.f('ix_notice_patient_id'), table_name='notice')
    op.drop_index('ix_notice_status_next_attempt', table_name='notice')
    op.drop_table('notice')

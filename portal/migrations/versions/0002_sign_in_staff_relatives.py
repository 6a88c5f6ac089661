"""sign-in sessions, staff and relatives

Revision ID: 0002
Revises: 0001
Create Date: 2026-11-23
"""
from alembic import op
import sqlalchemy as sa



revision = '0002'
down_revision = '0001'
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table('relative',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('national_id', sa.String(length=11), nullable=False),
    sa.Column('given_name', sa.String(length=100), nullable=False),
    sa.Column('family_name', sa.String(length=100), nullable=False),
    sa.Column('preferred_locale', sa.String(length=5), nullable=True),
    sa.Column('created_at', sa.DateTime(timezone=True), nullable=False),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_relative')),
    sa.UniqueConstraint('national_id', name=op.f('uq_relative_national_id'))
    )
    op.create_table('sign_in_session',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('token_hash', sa.String(length=64), nullable=False),
    sa.Column('kind', sa.String(length=10), nullable=False),
    sa.Column('subject_id', sa.Integer(), nullable=False),
    sa.Column('profile', sa.String(length=10), nullable=False),
    sa.Column('id_token', sa.Text(), nullable=True),
    sa.Column('signed_in_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('ended_at', sa.DateTime(timezone=True), nullable=True),
    sa.CheckConstraint("kind IN ('patient', 'relative', 'staff')", name=op.f('ck_sign_in_session_kind')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_sign_in_session')),
    sa.UniqueConstraint('token_hash', name=op.f('uq_sign_in_session_token_hash'))
    )
    op.create_table('relative_link',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('relative_id', sa.Integer(), nullable=False),
    sa.Column('patient_id', sa.Integer(), nullable=False),
    sa.Column('relation', sa.String(length=100), nullable=False),
    sa.Column('created_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('accepted_at', sa.DateTime(timezone=True), nullable=True),
    sa.Column('withdrawn_at', sa.DateTime(timezone=True), nullable=True),
    sa.ForeignKeyConstraint(['patient_id'], ['patient.id'], name=op.f('fk_relative_link_patient_id_patient')),
    sa.ForeignKeyConstraint(['relative_id'], ['relative.id'], name=op.f('fk_relative_link_relative_id_relative')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_relative_link')),
    sa.UniqueConstraint('relative_id', 'patient_id', name=op.f('uq_relative_link_relative_id'))
    )
    with op.batch_alter_table('relative_link', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_relative_link_patient_id'), ['patient_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_relative_link_relative_id'), ['relative_id'], unique=False)

    op.create_table('staff_member',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('national_id', sa.String(length=11), nullable=False),
    sa.Column('hpr_number', sa.String(length=9), nullable=True),
    sa.Column('given_name', sa.String(length=100), nullable=False),
    sa.Column('family_name', sa.String(length=100), nullable=False),
    sa.Column('title', sa.String(length=100), nullable=False),
    sa.Column('organisation_id', sa.Integer(), nullable=False),
    sa.Column('is_clinician', sa.Boolean(), nullable=False),
    sa.Column('is_administrator', sa.Boolean(), nullable=False),
    sa.Column('active', sa.Boolean(), nullable=False),
    sa.Column('preferred_locale', sa.String(length=5), nullable=True),
    sa.Column('created_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('last_signed_in_at', sa.DateTime(timezone=True), nullable=True),
    sa.ForeignKeyConstraint(['organisation_id'], ['organisation.id'], name=op.f('fk_staff_member_organisation_id_organisation')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_staff_member')),
    sa.UniqueConstraint('national_id', 'organisation_id', name=op.f('uq_staff_member_national_id'))
    )
    with op.batch_alter_table('staff_member', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_staff_member_national_id'), ['national_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_staff_member_organisation_id'), ['organisation_id'], unique=False)



def downgrade() -> None:
    with op.batch_alter_table('staff_member', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_staff_member_organisation_id'))
        batch_op.drop_index(batch_op.f('ix_staff_member_national_id'))

    op.drop_table('staff_member')
    with op.batch_alter_table('relative_link', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_relative_link_relative_id'))
        batch_op.drop_index(batch_op.f('ix_relative_link_patient_id'))

    op.drop_table('relative_link')
    op.drop_table('sign_in_session')
    op.drop_table('relative')

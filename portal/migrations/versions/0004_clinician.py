"""clinician: enrolment details, conversation record, hand-over, agreed actions, pdf cache

Revision ID: 0004
Revises: 0003
Create Date: 2026-11-23
"""
from alembic import op
import sqlalchemy as sa


revision = '0004'
down_revision = '0003'
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table('agreed_action',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('touchpoint_id', sa.Integer(), nullable=False),
    sa.Column('what', sa.String(length=500), nullable=False),
    sa.Column('responsible', sa.String(length=200), nullable=False),
    sa.Column('contact', sa.String(length=200), nullable=True),
    sa.Column('due_on', sa.Date(), nullable=True),
    sa.Column('needs', sa.JSON(), nullable=False),
    sa.Column('status', sa.String(length=10), nullable=False),
    sa.Column('status_on', sa.Date(), nullable=True),
    sa.Column('created_by_id', sa.Integer(), nullable=False),
    sa.Column('created_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('updated_at', sa.DateTime(timezone=True), nullable=False),
    sa.CheckConstraint("status = 'planned' OR status_on IS NOT NULL", name=op.f('ck_agreed_action_status_has_date')),
    sa.CheckConstraint("status IN ('planned', 'done', 'not_done')", name=op.f('ck_agreed_action_status')),
    sa.ForeignKeyConstraint(['created_by_id'], ['staff_member.id'], name=op.f('fk_agreed_action_created_by_id_staff_member')),
    sa.ForeignKeyConstraint(['touchpoint_id'], ['touchpoint.id'], name=op.f('fk_agreed_action_touchpoint_id_touchpoint')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_agreed_action'))
    )
    with op.batch_alter_table('agreed_action', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_agreed_action_touchpoint_id'), ['touchpoint_id'], unique=False)

    op.create_table('rendered_pdf',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('key', sa.String(length=64), nullable=False),
    sa.Column('touchpoint_id', sa.Integer(), nullable=False),
    sa.Column('pdf', sa.LargeBinary(), nullable=False),
    sa.Column('created_at', sa.DateTime(timezone=True), nullable=False),
    sa.ForeignKeyConstraint(['touchpoint_id'], ['touchpoint.id'], name=op.f('fk_rendered_pdf_touchpoint_id_touchpoint')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_rendered_pdf')),
    sa.UniqueConstraint('key', name=op.f('uq_rendered_pdf_key'))
    )
    with op.batch_alter_table('rendered_pdf', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_rendered_pdf_touchpoint_id'), ['touchpoint_id'], unique=False)

    with op.batch_alter_table('pathway', schema=None) as batch_op:
        batch_op.add_column(sa.Column('handed_over_at', sa.DateTime(timezone=True), nullable=True))
        batch_op.add_column(sa.Column('handed_over_by_id', sa.Integer(), nullable=True))
        batch_op.create_foreign_key(batch_op.f('fk_pathway_handed_over_by_id_staff_member'), 'staff_member', ['handed_over_by_id'], ['id'])

    with op.batch_alter_table('patient', schema=None) as batch_op:
        batch_op.add_column(sa.Column('mobile', sa.String(length=20), nullable=True))
        batch_op.add_column(sa.Column('email', sa.String(length=254), nullable=True))
        batch_op.add_column(sa.Column('children_under_18', sa.Boolean(), nullable=True))

    with op.batch_alter_table('response', schema=None) as batch_op:
        batch_op.add_column(sa.Column('first_read_at', sa.DateTime(timezone=True), nullable=True))

    with op.batch_alter_table('touchpoint', schema=None) as batch_op:
        batch_op.add_column(sa.Column('held_by', sa.String(length=200), nullable=True))
        batch_op.add_column(sa.Column('relative_present', sa.Boolean(), nullable=True))
        batch_op.create_index('ix_touchpoint_organisation_appointment', ['organisation_id', 'appointment_at'], unique=False)



def downgrade() -> None:
    with op.batch_alter_table('touchpoint', schema=None) as batch_op:
        batch_op.drop_index('ix_touchpoint_organisation_appointment')
        batch_op.drop_column('relative_present')
        batch_op.drop_column('held_by')

    with op.batch_alter_table('response', schema=None) as batch_op:
        batch_op.drop_column('first_read_at')

    with op.batch_alter_table('patient', schema=None) as batch_op:
        batch_op.drop_column('children_under_18')
        batch_op.drop_column('email')
        batch_op.drop_column('mobile')

    with op.batch_alter_table('pathway', schema=None) as batch_op:
        batch_op.drop_constraint(batch_op.f('fk_pathway_handed_over_by_id_staff_member'), type_='foreignkey')
        batch_op.drop_column('handed_over_by_id')
        batch_op.drop_column('handed_over_at')

    with op.batch_alter_table('rendered_pdf', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_rendered_pdf_touchpoint_id'))

    op.drop_table('rendered_pdf')
    with op.batch_alter_table('agreed_action', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_agreed_action_touchpoint_id'))

    op.drop_table('agreed_action')

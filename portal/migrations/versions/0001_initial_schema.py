"""initial schema

Revision ID: 0001
Revises: 
Create Date: 2026-11-23
"""
from alembic import op
import sqlalchemy as sa
from sqlalchemy.dialects import postgresql

revision = '0001'
down_revision = None
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table('organisation',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('kind', sa.String(length=20), nullable=False),
    sa.Column('name', sa.String(length=200), nullable=False),
    sa.Column('org_number', sa.String(length=9), nullable=False),
    sa.Column('municipality_number', sa.String(length=4), nullable=True),
    sa.CheckConstraint("kind <> 'municipality' OR municipality_number IS NOT NULL", name=op.f('ck_organisation_municipality_has_number')),
    sa.CheckConstraint("kind IN ('hospital_trust', 'municipality')", name=op.f('ck_organisation_kind')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_organisation')),
    sa.UniqueConstraint('municipality_number', name=op.f('uq_organisation_municipality_number')),
    sa.UniqueConstraint('org_number', name=op.f('uq_organisation_org_number'))
    )
    op.create_table('patient',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('national_id', sa.String(length=11), nullable=False),
    sa.Column('given_name', sa.String(length=100), nullable=False),
    sa.Column('family_name', sa.String(length=100), nullable=False),
    sa.Column('preferred_locale', sa.String(length=5), nullable=True),
    sa.Column('created_at', sa.DateTime(timezone=True), nullable=False),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_patient')),
    sa.UniqueConstraint('national_id', name=op.f('uq_patient_national_id'))
    )
    op.create_table('contact_point',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('organisation_id', sa.Integer(), nullable=False),
    sa.Column('role', sa.String(length=40), nullable=False),
    sa.Column('name', sa.String(length=200), nullable=False),
    sa.Column('phone', sa.String(length=20), nullable=False),
    sa.Column('email', sa.String(length=254), nullable=True),
    sa.Column('opens_at', sa.Time(), nullable=True),
    sa.Column('closes_at', sa.Time(), nullable=True),
    sa.ForeignKeyConstraint(['organisation_id'], ['organisation.id'], name=op.f('fk_contact_point_organisation_id_organisation')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_contact_point'))
    )
    with op.batch_alter_table('contact_point', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_contact_point_organisation_id'), ['organisation_id'], unique=False)

    op.create_table('expired_draft',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('patient_id', sa.Integer(), nullable=False),
    sa.Column('path', sa.String(length=200), nullable=False),
    sa.Column('data', sa.JSON().with_variant(postgresql.JSONB(astext_type=sa.Text()), 'postgresql'), nullable=False),
    sa.Column('created_at', sa.DateTime(timezone=True), nullable=False),
    sa.ForeignKeyConstraint(['patient_id'], ['patient.id'], name=op.f('fk_expired_draft_patient_id_patient'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_expired_draft')),
    sa.UniqueConstraint('patient_id', 'path', name=op.f('uq_expired_draft_patient_id'))
    )
    op.create_table('pathway',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('patient_id', sa.Integer(), nullable=False),
    sa.Column('diagnosis_date', sa.Date(), nullable=False),
    sa.Column('hospital_id', sa.Integer(), nullable=False),
    sa.Column('municipality_id', sa.Integer(), nullable=False),
    sa.Column('created_at', sa.DateTime(timezone=True), nullable=False),
    sa.ForeignKeyConstraint(['hospital_id'], ['organisation.id'], name=op.f('fk_pathway_hospital_id_organisation')),
    sa.ForeignKeyConstraint(['municipality_id'], ['organisation.id'], name=op.f('fk_pathway_municipality_id_organisation')),
    sa.ForeignKeyConstraint(['patient_id'], ['patient.id'], name=op.f('fk_pathway_patient_id_patient')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_pathway'))
    )
    with op.batch_alter_table('pathway', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_pathway_patient_id'), ['patient_id'], unique=False)

    op.create_table('touchpoint',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('pathway_id', sa.Integer(), nullable=False),
    sa.Column('number', sa.Integer(), nullable=False),
    sa.Column('organisation_id', sa.Integer(), nullable=False),
    sa.Column('held_on', sa.Date(), nullable=True),
    sa.Column('declined_on', sa.Date(), nullable=True),
    sa.Column('offer_again_on', sa.Date(), nullable=True),
    sa.Column('appointment_at', sa.DateTime(timezone=True), nullable=True),
    sa.Column('appointment_place', sa.String(length=200), nullable=True),
    sa.Column('appointment_with', sa.String(length=200), nullable=True),
    sa.CheckConstraint('declined_on IS NULL OR offer_again_on IS NOT NULL', name=op.f('ck_touchpoint_declined_has_offer_again')),
    sa.CheckConstraint('held_on IS NULL OR declined_on IS NULL', name=op.f('ck_touchpoint_held_or_declined')),
    sa.CheckConstraint('number BETWEEN 1 AND 3', name=op.f('ck_touchpoint_number_range')),
    sa.ForeignKeyConstraint(['organisation_id'], ['organisation.id'], name=op.f('fk_touchpoint_organisation_id_organisation')),
    sa.ForeignKeyConstraint(['pathway_id'], ['pathway.id'], name=op.f('fk_touchpoint_pathway_id_pathway')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_touchpoint')),
    sa.UniqueConstraint('pathway_id', 'number', name=op.f('uq_touchpoint_pathway_id'))
    )
    with op.batch_alter_table('touchpoint', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_touchpoint_pathway_id'), ['pathway_id'], unique=False)

    op.create_table('response',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('touchpoint_id', sa.Integer(), nullable=False),
    sa.Column('questionnaire_id', sa.String(length=40), nullable=False),
    sa.Column('questionnaire_version', sa.Integer(), nullable=False),
    sa.Column('current_page', sa.Integer(), nullable=False),
    sa.Column('revision', sa.Integer(), nullable=False),
    sa.Column('submitted_revision', sa.Integer(), nullable=True),
    sa.Column('urgent_at', sa.DateTime(timezone=True), nullable=True),
    sa.Column('started_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('updated_at', sa.DateTime(timezone=True), nullable=False),
    sa.CheckConstraint('current_page >= 1', name=op.f('ck_response_current_page_positive')),
    sa.CheckConstraint('revision >= 0', name=op.f('ck_response_revision_not_negative')),
    sa.ForeignKeyConstraint(['touchpoint_id'], ['touchpoint.id'], name=op.f('fk_response_touchpoint_id_touchpoint')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_response')),
    sa.UniqueConstraint('touchpoint_id', name=op.f('uq_response_touchpoint_id'))
    )
    op.create_table('answer',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('response_id', sa.Integer(), nullable=False),
    sa.Column('question_id', sa.String(length=64), nullable=False),
    sa.Column('value', sa.JSON().with_variant(postgresql.JSONB(astext_type=sa.Text()), 'postgresql'), nullable=False),
    sa.Column('answered_at', sa.DateTime(timezone=True), nullable=False),
    sa.ForeignKeyConstraint(['response_id'], ['response.id'], name=op.f('fk_answer_response_id_response'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_answer')),
    sa.UniqueConstraint('response_id', 'question_id', name=op.f('uq_answer_response_id'))
    )
    op.create_table('submission',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('response_id', sa.Integer(), nullable=False),
    sa.Column('number', sa.Integer(), nullable=False),
    sa.Column('revision', sa.Integer(), nullable=False),
    sa.Column('submitted_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('answers', sa.JSON().with_variant(postgresql.JSONB(astext_type=sa.Text()), 'postgresql'), nullable=False),
    sa.CheckConstraint('number >= 1', name=op.f('ck_submission_number_positive')),
    sa.ForeignKeyConstraint(['response_id'], ['response.id'], name=op.f('fk_submission_response_id_response')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_submission')),
    sa.UniqueConstraint('response_id', 'number', name=op.f('uq_submission_response_id'))
    )
    with op.batch_alter_table('submission', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_submission_response_id'), ['response_id'], unique=False)



def downgrade() -> None:
    with op.batch_alter_table('submission', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_submission_response_id'))

    op.drop_table('submission')
    op.drop_table('answer')
    op.drop_table('response')
    with op.batch_alter_table('touchpoint', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_touchpoint_pathway_id'))

    op.drop_table('touchpoint')
    with op.batch_alter_table('pathway', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_pathway_patient_id'))

    op.drop_table('pathway')
    op.drop_table('expired_draft')
    with op.batch_alter_table('contact_point', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_contact_point_organisation_id'))

    op.drop_table('contact_point')
    op.drop_table('patient')
    op.drop_table('organisation')

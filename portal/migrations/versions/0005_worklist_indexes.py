"""worklist indexes: pathways by organisation and diagnosis date, declines to offer again,
unread submissions

Revision ID: 0005
Revises: 0004
Create Date: 2026-11-23
"""
from alembic import op
import sqlalchemy as sa


revision = '0005'
down_revision = '0004'
branch_labels = None
depends_on = None

UNREAD = "submitted_revision IS NOT NULL AND first_read_at IS NULL"
DECLINED = "declined_on IS NOT NULL"


def upgrade() -> None:
    with op.batch_alter_table('pathway', schema=None) as batch_op:
        batch_op.create_index('ix_pathway_hospital_diagnosis', ['hospital_id', 'diagnosis_date'], unique=False)
        batch_op.create_index('ix_pathway_municipality_diagnosis', ['municipality_id', 'diagnosis_date'], unique=False)

    with op.batch_alter_table('touchpoint', schema=None) as batch_op:
        batch_op.create_index('ix_touchpoint_offer_again', ['organisation_id', 'offer_again_on'], unique=False,
                              sqlite_where=sa.text(DECLINED), postgresql_where=sa.text(DECLINED))

    with op.batch_alter_table('response', schema=None) as batch_op:
        batch_op.create_index('ix_response_unread', ['updated_at'], unique=False,
                              sqlite_where=sa.text(UNREAD), postgresql_where=sa.text(UNREAD))


def downgrade() -> None:
    with op.batch_alter_table('response', schema=None) as batch_op:
        batch_op.drop_index('ix_response_unread')

    with op.batch_alter_table('touchpoint', schema=None) as batch_op:
        batch_op.drop_index('ix_touchpoint_offer_again')

    with op.batch_alter_table('pathway', schema=None) as batch_op:
        batch_op.drop_index('ix_pathway_municipality_diagnosis')
        batch_op.drop_index('ix_pathway_hospital_diagnosis')

"""the language answers were sent in: submission.locale, relative_response.submitted_locale

Revision ID: 0008
Revises: 0007
Create Date: 2026-11-24
"""
from alembic import op
import sqlalchemy as sa


revision = '0008'
down_revision = '0007'
branch_labels = None
depends_on = None


def upgrade() -> None:
    # Nullable: answers sent before this revision have no recorded language.
    with op.batch_alter_table('submission', schema=None) as batch_op:
        batch_op.add_column(sa.Column('locale', sa.String(length=5), nullable=True))
    with op.batch_alter_table('relative_response', schema=None) as batch_op:
        batch_op.add_column(sa.Column('submitted_locale', sa.String(length=5), nullable=True))


def downgrade() -> None:
    with op.batch_alter_table('relative_response', schema=None) as batch_op:
        batch_op.drop_column('submitted_locale')
    with op.batch_alter_table('submission', schema=None) as batch_op:
        batch_op.drop_column('locale')

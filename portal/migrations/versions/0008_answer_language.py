"""the language answers were sent in (submission.locale, relative_response.submitted_locale);
staff keep typed forms too (expired_draft.staff_id)

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


ONE_OWNER_BEFORE = '(patient_id IS NULL) <> (relative_id IS NULL)'
ONE_OWNER_AFTER = ('(CASE WHEN patient_id IS NULL THEN 0 ELSE 1 END'
                   ' + CASE WHEN relative_id IS NULL THEN 0 ELSE 1 END'
                   ' + CASE WHEN staff_id IS NULL THEN 0 ELSE 1 END) = 1')


def upgrade() -> None:
    # Nullable: answers sent before this revision have no recorded language.
    with op.batch_alter_table('submission', schema=None) as batch_op:
        batch_op.add_column(sa.Column('locale', sa.String(length=5), nullable=True))
    with op.batch_alter_table('relative_response', schema=None) as batch_op:
        batch_op.add_column(sa.Column('submitted_locale', sa.String(length=5), nullable=True))
    # A staff member's typed form survives a language switch (and an expired session) too.
    with op.batch_alter_table('expired_draft', schema=None) as batch_op:
        batch_op.drop_constraint(op.f('ck_expired_draft_one_owner'), type_='check')
        batch_op.add_column(sa.Column('staff_id', sa.Integer(), nullable=True))
        batch_op.create_foreign_key(batch_op.f('fk_expired_draft_staff_id_staff_member'),
                                    'staff_member', ['staff_id'], ['id'], ondelete='CASCADE')
        batch_op.create_unique_constraint(batch_op.f('uq_expired_draft_staff_id'),
                                          ['staff_id', 'path'])
        batch_op.create_check_constraint(op.f('ck_expired_draft_one_owner'), ONE_OWNER_AFTER)


def downgrade() -> None:
    op.execute("DELETE FROM expired_draft WHERE staff_id IS NOT NULL")
    with op.batch_alter_table('expired_draft', schema=None) as batch_op:
        batch_op.drop_constraint(op.f('ck_expired_draft_one_owner'), type_='check')
        batch_op.drop_constraint(batch_op.f('uq_expired_draft_staff_id'), type_='unique')
        batch_op.drop_constraint(batch_op.f('fk_expired_draft_staff_id_staff_member'),
                                 type_='foreignkey')
        batch_op.drop_column('staff_id')
        batch_op.create_check_constraint(op.f('ck_expired_draft_one_owner'), ONE_OWNER_BEFORE)
    with op.batch_alter_table('relative_response', schema=None) as batch_op:
        batch_op.drop_column('submitted_locale')
    with op.batch_alter_table('submission', schema=None) as batch_op:
        batch_op.drop_column('locale')

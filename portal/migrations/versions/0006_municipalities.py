"""municipalities as reference data: every official name form, valid-from and valid-to

Revision ID: 0006
Revises: 0005
Create Date: 2026-11-23
"""
from alembic import op
import sqlalchemy as sa


revision = '0006'
down_revision = '0005'
branch_labels = None
depends_on = None

CURRENT = "valid_to IS NULL"


def upgrade() -> None:
    op.create_table('municipality',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('number', sa.String(length=4), nullable=False),
    sa.Column('name', sa.String(length=100), nullable=False),
    sa.Column('also_known_as', sa.String(length=100), nullable=True),
    sa.Column('county_number', sa.String(length=2), nullable=False),
    sa.Column('county_name', sa.String(length=100), nullable=False),
    sa.Column('valid_from', sa.Date(), nullable=False),
    sa.Column('valid_to', sa.Date(), nullable=True),
    sa.Column('search_key', sa.Text(), nullable=False),
    sa.CheckConstraint('length(number) = 4', name=op.f('ck_municipality_number_length')),
    sa.CheckConstraint('length(county_number) = 2', name=op.f('ck_municipality_county_number_length')),
    sa.CheckConstraint('valid_to IS NULL OR valid_to >= valid_from', name=op.f('ck_municipality_valid_period')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_municipality')),
    sa.UniqueConstraint('number', 'valid_from', name=op.f('uq_municipality_number'))
    )
    with op.batch_alter_table('municipality', schema=None) as batch_op:
        batch_op.create_index('uq_municipality_current_number', ['number'], unique=True,
                              sqlite_where=sa.text(CURRENT), postgresql_where=sa.text(CURRENT))


def downgrade() -> None:
    with op.batch_alter_table('municipality', schema=None) as batch_op:
        batch_op.drop_index('uq_municipality_current_number')

    op.drop_table('municipality')

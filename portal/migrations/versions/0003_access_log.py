"""access log

Revision ID: 0003
Revises: 0002
Create Date: 2026-11-23

The access log is append-only: triggers refuse UPDATE and DELETE (and TRUNCATE on PostgreSQL).
Its hash chain (portal/audit/chain.py) finds changes made by someone who gets around them.

On SQLite, a later migration that alters access_event in batch mode copies the table, and the
copy has no triggers: such a migration must create them again.
"""
from alembic import op
import sqlalchemy as sa

revision = '0003'
down_revision = '0002'
branch_labels = None
depends_on = None

POSTGRESQL_UP = [
    """
    CREATE FUNCTION access_event_append_only() RETURNS trigger LANGUAGE plpgsql AS $$
    BEGIN
        RAISE EXCEPTION 'access_event is append-only: % is refused', TG_OP;
    END;
    $$
    """,
    """
    CREATE TRIGGER access_event_append_only BEFORE UPDATE OR DELETE ON access_event
    FOR EACH ROW EXECUTE FUNCTION access_event_append_only()
    """,
    """
    CREATE TRIGGER access_event_no_truncate BEFORE TRUNCATE ON access_event
    FOR EACH STATEMENT EXECUTE FUNCTION access_event_append_only()
    """,
]
POSTGRESQL_DOWN = [
    "DROP TRIGGER access_event_no_truncate ON access_event",
    "DROP TRIGGER access_event_append_only ON access_event",
    "DROP FUNCTION access_event_append_only()",
]
SQLITE_UP = [
    """
    CREATE TRIGGER access_event_no_update BEFORE UPDATE ON access_event
    BEGIN SELECT RAISE(ABORT, 'access_event is append-only: UPDATE is refused'); END
    """,
    """
    CREATE TRIGGER access_event_no_delete BEFORE DELETE ON access_event
    BEGIN SELECT RAISE(ABORT, 'access_event is append-only: DELETE is refused'); END
    """,
]
SQLITE_DOWN = [
    "DROP TRIGGER access_event_no_delete",
    "DROP TRIGGER access_event_no_update",
]


def _statements(postgresql: list[str], sqlite: list[str]) -> list[str]:
    dialect = op.get_bind().dialect.name
    if dialect == 'postgresql':
        return postgresql
    if dialect == 'sqlite':
        return sqlite
    raise NotImplementedError(f'No append-only triggers for {dialect}.')


def upgrade() -> None:
    op.create_table('access_event',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('seq', sa.Integer(), nullable=False),
    sa.Column('at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('actor_kind', sa.String(length=10), nullable=False),
    sa.Column('actor_id', sa.Integer(), nullable=False),
    sa.Column('actor_name', sa.String(length=201), nullable=False),
    sa.Column('actor_hpr_number', sa.String(length=9), nullable=True),
    sa.Column('actor_role', sa.String(length=40), nullable=False),
    sa.Column('actor_title', sa.String(length=100), nullable=False),
    sa.Column('actor_org_number', sa.String(length=9), nullable=True),
    sa.Column('actor_org_name', sa.String(length=200), nullable=True),
    sa.Column('patient_id', sa.Integer(), nullable=False),
    sa.Column('action', sa.String(length=40), nullable=False),
    sa.Column('touchpoint_number', sa.Integer(), nullable=True),
    sa.Column('context', sa.String(length=200), nullable=False),
    sa.Column('prev_hash', sa.String(length=64), nullable=False),
    sa.Column('hash', sa.String(length=64), nullable=False),
    sa.CheckConstraint("action IN ('opened_patient', 'read_answers', 'read_summary', 'downloaded_pdf', 'exported', 'showed_identity_number', 'changed', 'read_contacts', 'read_access_log')", name=op.f('ck_access_event_action')),
    sa.CheckConstraint("actor_kind IN ('staff', 'relative')", name=op.f('ck_access_event_actor_kind')),
    sa.CheckConstraint('seq >= 1', name=op.f('ck_access_event_seq_positive')),
    sa.CheckConstraint('touchpoint_number IS NULL OR touchpoint_number BETWEEN 1 AND 3', name=op.f('ck_access_event_touchpoint_number_range')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_access_event')),
    sa.UniqueConstraint('seq', name=op.f('uq_access_event_seq'))
    )
    with op.batch_alter_table('access_event', schema=None) as batch_op:
        batch_op.create_index('ix_access_event_actor', ['actor_kind', 'actor_id', 'at'], unique=False)
        batch_op.create_index('ix_access_event_patient_id_seq', ['patient_id', 'seq'], unique=False)

    for statement in _statements(POSTGRESQL_UP, SQLITE_UP):
        op.execute(statement)


def downgrade() -> None:
    for statement in _statements(POSTGRESQL_DOWN, SQLITE_DOWN):
        op.execute(statement)
    with op.batch_alter_table('access_event', schema=None) as batch_op:
        batch_op.drop_index('ix_access_event_patient_id_seq')
        batch_op.drop_index('ix_access_event_actor')

    op.drop_table('access_event')

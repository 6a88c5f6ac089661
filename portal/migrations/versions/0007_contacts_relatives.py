"""contact points in full (hours, exceptions, history), the municipalities a trust serves,
relatives' invitations, permissions and own questionnaire, the patient's GP

The old weekday opens_at/closes_at of a contact point become Monday-to-Friday opening hours.
The access log's action check gains 'read_appointments'; on SQLite the table is copied to change
it, and the append-only triggers are created again (see 0003).

Revision ID: 0007
Revises: 0006
Create Date: 2026-11-24
"""
from alembic import op
import sqlalchemy as sa
from sqlalchemy.dialects import postgresql

revision = '0007'
down_revision = '0006'
branch_labels = None
depends_on = None

ROLES = ("forlopskoordinator", "kreftkoordinator", "kreftsykepleier", "koordinerende_enhet",
         "kontaktlege", "annet")
ACTIONS_BEFORE = ("opened_patient", "read_answers", "read_summary", "downloaded_pdf", "exported",
                  "showed_identity_number", "changed", "read_contacts", "read_access_log")
ACTIONS_AFTER = ACTIONS_BEFORE + ("read_appointments",)

SQLITE_TRIGGERS = [
    """
    CREATE TRIGGER access_event_no_update BEFORE UPDATE ON access_event
    BEGIN SELECT RAISE(ABORT, 'access_event is append-only: UPDATE is refused'); END
    """,
    """
    CREATE TRIGGER access_event_no_delete BEFORE DELETE ON access_event
    BEGIN SELECT RAISE(ABORT, 'access_event is append-only: DELETE is refused'); END
    """,
]


def _in(values: tuple[str, ...]) -> str:
    return "action IN (" + ", ".join(f"'{value}'" for value in values) + ")"


def _replace_action_check(values: tuple[str, ...]) -> None:
    sqlite = op.get_bind().dialect.name == 'sqlite'
    if sqlite:
        # The copy batch mode makes has no triggers: drop them first, create them again after.
        op.execute("DROP TRIGGER access_event_no_delete")
        op.execute("DROP TRIGGER access_event_no_update")
    with op.batch_alter_table('access_event', schema=None) as batch_op:
        batch_op.drop_constraint(op.f('ck_access_event_action'), type_='check')
        batch_op.create_check_constraint(op.f('ck_access_event_action'), _in(values))
    if sqlite:
        for statement in SQLITE_TRIGGERS:
            op.execute(statement)


def upgrade() -> None:
    op.create_table('served_municipality',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('hospital_id', sa.Integer(), nullable=False),
    sa.Column('municipality_number', sa.String(length=4), nullable=False),
    sa.ForeignKeyConstraint(['hospital_id'], ['organisation.id'], name=op.f('fk_served_municipality_hospital_id_organisation')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_served_municipality')),
    sa.UniqueConstraint('hospital_id', 'municipality_number', name=op.f('uq_served_municipality_hospital_id'))
    )
    with op.batch_alter_table('served_municipality', schema=None) as batch_op:
        batch_op.create_index('ix_served_municipality_number', ['municipality_number'], unique=False)

    op.create_table('contact_point_change',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('contact_point_id', sa.Integer(), nullable=False),
    sa.Column('changed_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('changed_by_id', sa.Integer(), nullable=True),
    sa.Column('changed_by_name', sa.String(length=201), nullable=False),
    sa.Column('snapshot', sa.JSON(), nullable=False),
    sa.ForeignKeyConstraint(['changed_by_id'], ['staff_member.id'], name=op.f('fk_contact_point_change_changed_by_id_staff_member')),
    sa.ForeignKeyConstraint(['contact_point_id'], ['contact_point.id'], name=op.f('fk_contact_point_change_contact_point_id_contact_point')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_contact_point_change'))
    )
    with op.batch_alter_table('contact_point_change', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_contact_point_change_contact_point_id'), ['contact_point_id'], unique=False)

    op.create_table('opening_exception',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('contact_point_id', sa.Integer(), nullable=False),
    sa.Column('day', sa.Date(), nullable=False),
    sa.Column('opens', sa.Time(), nullable=True),
    sa.Column('closes', sa.Time(), nullable=True),
    sa.CheckConstraint('(opens IS NULL) = (closes IS NULL)', name=op.f('ck_opening_exception_both_times_or_none')),
    sa.ForeignKeyConstraint(['contact_point_id'], ['contact_point.id'], name=op.f('fk_opening_exception_contact_point_id_contact_point'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_opening_exception'))
    )
    with op.batch_alter_table('opening_exception', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_opening_exception_contact_point_id'), ['contact_point_id'], unique=False)

    op.create_table('opening_hours',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('contact_point_id', sa.Integer(), nullable=False),
    sa.Column('weekday', sa.Integer(), nullable=False),
    sa.Column('opens', sa.Time(), nullable=False),
    sa.Column('closes', sa.Time(), nullable=False),
    sa.CheckConstraint('weekday BETWEEN 0 AND 6', name=op.f('ck_opening_hours_weekday_range')),
    sa.ForeignKeyConstraint(['contact_point_id'], ['contact_point.id'], name=op.f('fk_opening_hours_contact_point_id_contact_point'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_opening_hours'))
    )
    with op.batch_alter_table('opening_hours', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_opening_hours_contact_point_id'), ['contact_point_id'], unique=False)

    op.create_table('relative_invitation',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('patient_id', sa.Integer(), nullable=False),
    sa.Column('name', sa.String(length=200), nullable=False),
    sa.Column('relation', sa.String(length=100), nullable=False),
    sa.Column('mobile', sa.String(length=20), nullable=True),
    sa.Column('email', sa.String(length=254), nullable=True),
    sa.Column('token_hash', sa.String(length=64), nullable=False),
    sa.Column('created_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('expires_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('accepted_at', sa.DateTime(timezone=True), nullable=True),
    sa.Column('withdrawn_at', sa.DateTime(timezone=True), nullable=True),
    sa.Column('link_id', sa.Integer(), nullable=True),
    sa.Column('may_see_contacts', sa.Boolean(), nullable=False),
    sa.Column('may_answer_own', sa.Boolean(), nullable=False),
    sa.Column('may_see_answers', sa.Boolean(), nullable=False),
    sa.CheckConstraint('mobile IS NOT NULL OR email IS NOT NULL', name=op.f('ck_relative_invitation_has_address')),
    sa.ForeignKeyConstraint(['link_id'], ['relative_link.id'], name=op.f('fk_relative_invitation_link_id_relative_link')),
    sa.ForeignKeyConstraint(['patient_id'], ['patient.id'], name=op.f('fk_relative_invitation_patient_id_patient')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_relative_invitation')),
    sa.UniqueConstraint('token_hash', name=op.f('uq_relative_invitation_token_hash'))
    )
    with op.batch_alter_table('relative_invitation', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_relative_invitation_patient_id'), ['patient_id'], unique=False)

    op.create_table('relative_response',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('link_id', sa.Integer(), nullable=False),
    sa.Column('touchpoint_id', sa.Integer(), nullable=False),
    sa.Column('questionnaire_id', sa.String(length=40), nullable=False),
    sa.Column('questionnaire_version', sa.Integer(), nullable=False),
    sa.Column('answers', sa.JSON().with_variant(postgresql.JSONB(astext_type=sa.Text()), 'postgresql'), nullable=False),
    sa.Column('revision', sa.Integer(), nullable=False),
    sa.Column('submitted_revision', sa.Integer(), nullable=True),
    sa.Column('submitted_answers', sa.JSON().with_variant(postgresql.JSONB(astext_type=sa.Text()), 'postgresql'), nullable=True),
    sa.Column('submitted_at', sa.DateTime(timezone=True), nullable=True),
    sa.Column('updated_at', sa.DateTime(timezone=True), nullable=False),
    sa.ForeignKeyConstraint(['link_id'], ['relative_link.id'], name=op.f('fk_relative_response_link_id_relative_link')),
    sa.ForeignKeyConstraint(['touchpoint_id'], ['touchpoint.id'], name=op.f('fk_relative_response_touchpoint_id_touchpoint')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_relative_response')),
    sa.UniqueConstraint('link_id', 'touchpoint_id', name=op.f('uq_relative_response_link_id'))
    )
    with op.batch_alter_table('relative_response', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_relative_response_link_id'), ['link_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_relative_response_touchpoint_id'), ['touchpoint_id'], unique=False)

    with op.batch_alter_table('contact_point', schema=None) as batch_op:
        batch_op.add_column(sa.Column('sms', sa.String(length=20), nullable=True))
        batch_op.add_column(sa.Column('address', sa.String(length=300), nullable=True))
        batch_op.add_column(sa.Column('languages', sa.String(length=100), nullable=False, server_default='nb'))
        batch_op.add_column(sa.Column('note', sa.String(length=500), nullable=True))
        batch_op.add_column(sa.Column('closed_on_public_holidays', sa.Boolean(), nullable=False, server_default=sa.true()))
        batch_op.add_column(sa.Column('position', sa.Integer(), nullable=False, server_default='0'))
        batch_op.add_column(sa.Column('archived_at', sa.DateTime(timezone=True), nullable=True))
        batch_op.add_column(sa.Column('updated_at', sa.DateTime(timezone=True), nullable=False, server_default=sa.func.now()))
        batch_op.create_check_constraint(
            op.f('ck_contact_point_role'), "role IN (" + ", ".join(f"'{role}'" for role in ROLES) + ")")

    # Weekday hours become Monday-to-Friday intervals, then the old columns go.
    op.execute(
        "INSERT INTO opening_hours (contact_point_id, weekday, opens, closes) "
        "SELECT contact_point.id, days.weekday, contact_point.opens_at, contact_point.closes_at "
        "FROM contact_point CROSS JOIN (SELECT 0 AS weekday UNION ALL SELECT 1 UNION ALL "
        "SELECT 2 UNION ALL SELECT 3 UNION ALL SELECT 4) AS days "
        "WHERE contact_point.opens_at IS NOT NULL AND contact_point.closes_at IS NOT NULL")
    with op.batch_alter_table('contact_point', schema=None) as batch_op:
        batch_op.drop_column('opens_at')
        batch_op.drop_column('closes_at')

    with op.batch_alter_table('patient', schema=None) as batch_op:
        batch_op.add_column(sa.Column('gp_name', sa.String(length=200), nullable=True))
        batch_op.add_column(sa.Column('gp_phone', sa.String(length=20), nullable=True))

    with op.batch_alter_table('relative_link', schema=None) as batch_op:
        batch_op.add_column(sa.Column('guardian', sa.Boolean(), nullable=False, server_default=sa.false()))
        batch_op.add_column(sa.Column('may_see_contacts', sa.Boolean(), nullable=False, server_default=sa.true()))
        batch_op.add_column(sa.Column('may_answer_own', sa.Boolean(), nullable=False, server_default=sa.true()))
        batch_op.add_column(sa.Column('may_see_answers', sa.Boolean(), nullable=False, server_default=sa.false()))

    _replace_action_check(ACTIONS_AFTER)

    # A relative's own questionnaire keeps what was typed when the session expired, too.
    with op.batch_alter_table('expired_draft', schema=None) as batch_op:
        batch_op.add_column(sa.Column('relative_id', sa.Integer(), nullable=True))
        batch_op.alter_column('patient_id', existing_type=sa.Integer(), nullable=True)
        batch_op.create_foreign_key(batch_op.f('fk_expired_draft_relative_id_relative'),
                                    'relative', ['relative_id'], ['id'], ondelete='CASCADE')
        batch_op.create_unique_constraint(batch_op.f('uq_expired_draft_relative_id'),
                                          ['relative_id', 'path'])
        batch_op.create_check_constraint(op.f('ck_expired_draft_one_owner'),
                                         '(patient_id IS NULL) <> (relative_id IS NULL)')



def downgrade() -> None:
    op.execute("DELETE FROM expired_draft WHERE relative_id IS NOT NULL")
    with op.batch_alter_table('expired_draft', schema=None) as batch_op:
        batch_op.drop_constraint(op.f('ck_expired_draft_one_owner'), type_='check')
        batch_op.drop_constraint(batch_op.f('uq_expired_draft_relative_id'), type_='unique')
        batch_op.drop_constraint(batch_op.f('fk_expired_draft_relative_id_relative'),
                                 type_='foreignkey')
        batch_op.alter_column('patient_id', existing_type=sa.Integer(), nullable=False)
        batch_op.drop_column('relative_id')
    # Refused while the log holds an action the older check does not know.
    _replace_action_check(ACTIONS_BEFORE)
    with op.batch_alter_table('relative_link', schema=None) as batch_op:
        batch_op.drop_column('may_see_answers')
        batch_op.drop_column('may_answer_own')
        batch_op.drop_column('may_see_contacts')
        batch_op.drop_column('guardian')

    with op.batch_alter_table('patient', schema=None) as batch_op:
        batch_op.drop_column('gp_phone')
        batch_op.drop_column('gp_name')

    with op.batch_alter_table('contact_point', schema=None) as batch_op:
        batch_op.add_column(sa.Column('closes_at', sa.TIME(), nullable=True))
        batch_op.add_column(sa.Column('opens_at', sa.TIME(), nullable=True))
        batch_op.drop_constraint(op.f('ck_contact_point_role'), type_='check')
        batch_op.drop_column('updated_at')
        batch_op.drop_column('archived_at')
        batch_op.drop_column('position')
        batch_op.drop_column('closed_on_public_holidays')
        batch_op.drop_column('note')
        batch_op.drop_column('languages')
        batch_op.drop_column('address')
        batch_op.drop_column('sms')

    with op.batch_alter_table('relative_response', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_relative_response_touchpoint_id'))
        batch_op.drop_index(batch_op.f('ix_relative_response_link_id'))

    op.drop_table('relative_response')
    with op.batch_alter_table('relative_invitation', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_relative_invitation_patient_id'))

    op.drop_table('relative_invitation')
    with op.batch_alter_table('opening_hours', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_opening_hours_contact_point_id'))

    op.drop_table('opening_hours')
    with op.batch_alter_table('opening_exception', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_opening_exception_contact_point_id'))

    op.drop_table('opening_exception')
    with op.batch_alter_table('contact_point_change', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_contact_point_change_contact_point_id'))

    op.drop_table('contact_point_change')
    with op.batch_alter_table('served_municipality', schema=None) as batch_op:
        batch_op.drop_index('ix_served_municipality_number')

    op.drop_table('served_municipality')

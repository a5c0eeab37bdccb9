"""initial schema

Revision ID: 0001
Revises: 
Create Date: 2026-11-22 02:40:51.261017
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op
from sqlalchemy.dialects import postgresql

revision: str = '0001'
down_revision: str | None = None
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:

    op.create_table('instruments',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('slug', sa.String(length=64), nullable=False),
    sa.Column('title', sa.String(length=300), nullable=False),
    sa.Column('title_en', sa.String(length=300), nullable=True),
    sa.Column('intended_use', sa.String(length=64), nullable=False),
    sa.Column('created_at', sa.DateTime(timezone=True), nullable=False),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_instruments')),
    sa.UniqueConstraint('slug', name=op.f('uq_instruments_slug'))
    )
    op.create_table('service_fields',
    sa.Column('code', sa.String(length=32), nullable=False),
    sa.Column('name', sa.String(length=200), nullable=False),
    sa.Column('name_en', sa.String(length=200), nullable=True),
    sa.PrimaryKeyConstraint('code', name=op.f('pk_service_fields'))
    )
    op.create_table('units',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('code', sa.String(length=32), nullable=False),
    sa.Column('kind', sa.Enum('city', 'department', 'ward', 'commune', 'branch', 'reception_point', name='unit_kind', native_enum=False, create_constraint=True, length=24), nullable=False),
    sa.Column('name', sa.String(length=200), nullable=False),
    sa.Column('name_en', sa.String(length=200), nullable=True),
    sa.Column('parent_id', sa.Integer(), nullable=True),
    sa.Column('valid_from', sa.Date(), nullable=False),
    sa.Column('valid_to', sa.Date(), nullable=True),
    sa.Column('created_at', sa.DateTime(timezone=True), nullable=False),
    sa.CheckConstraint('valid_to IS NULL OR valid_to > valid_from', name=op.f('ck_units_validity')),
    sa.ForeignKeyConstraint(['parent_id'], ['units.id'], name=op.f('fk_units_parent_id_units')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_units')),
    sa.UniqueConstraint('code', name=op.f('uq_units_code'))
    )
    with op.batch_alter_table('units', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_units_parent_id'), ['parent_id'], unique=False)

    op.create_table('users',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('username', sa.String(length=64), nullable=False),
    sa.Column('display_name', sa.String(length=200), nullable=False),
    sa.Column('password_hash', sa.String(length=255), nullable=False),
    sa.Column('role', sa.Enum('administrator', 'statistician', 'reviewer', 'viewer', name='role', native_enum=False, create_constraint=True, length=24), nullable=False),
    sa.Column('is_active', sa.Boolean(), nullable=False),
    sa.Column('failed_logins', sa.Integer(), nullable=False),
    sa.Column('locked_until', sa.DateTime(timezone=True), nullable=True),
    sa.Column('created_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('last_login_at', sa.DateTime(timezone=True), nullable=True),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_users')),
    sa.UniqueConstraint('username', name=op.f('uq_users_username'))
    )
    op.create_table('api_tokens',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('user_id', sa.Integer(), nullable=False),
    sa.Column('name', sa.String(length=100), nullable=False),
    sa.Column('token_hash', sa.String(length=64), nullable=False),
    sa.Column('created_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('last_used_at', sa.DateTime(timezone=True), nullable=True),
    sa.Column('revoked_at', sa.DateTime(timezone=True), nullable=True),
    sa.ForeignKeyConstraint(['user_id'], ['users.id'], name=op.f('fk_api_tokens_user_id_users'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_api_tokens')),
    sa.UniqueConstraint('token_hash', name=op.f('uq_api_tokens_token_hash'))
    )
    with op.batch_alter_table('api_tokens', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_api_tokens_user_id'), ['user_id'], unique=False)

    op.create_table('audit_log',
    sa.Column('id', sa.BigInteger().with_variant(sa.Integer(), 'sqlite'), nullable=False),
    sa.Column('at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('user_id', sa.Integer(), nullable=True),
    sa.Column('action', sa.String(length=64), nullable=False),
    sa.Column('object_type', sa.String(length=64), nullable=True),
    sa.Column('object_id', sa.String(length=64), nullable=True),
    sa.Column('detail', sa.JSON().with_variant(postgresql.JSONB(astext_type=sa.Text()), 'postgresql'), nullable=False),
    sa.Column('client_address', sa.String(length=64), nullable=True),
    sa.ForeignKeyConstraint(['user_id'], ['users.id'], name=op.f('fk_audit_log_user_id_users'), ondelete='SET NULL'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_audit_log'))
    )
    with op.batch_alter_table('audit_log', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_audit_log_at'), ['at'], unique=False)

    op.create_table('dossiers',
    sa.Column('id', sa.BigInteger().with_variant(sa.Integer(), 'sqlite'), nullable=False),
    sa.Column('code', sa.String(length=64), nullable=False),
    sa.Column('unit_id', sa.Integer(), nullable=False),
    sa.Column('procedure_code', sa.String(length=32), nullable=False),
    sa.Column('field_code', sa.String(length=32), nullable=False),
    sa.Column('channel', sa.Enum('in_person', 'online', 'postal', name='channel', native_enum=False, create_constraint=True, length=24), nullable=False),
    sa.Column('applicant_kind', sa.Enum('citizen', 'organisation', name='applicant_kind', native_enum=False, create_constraint=True, length=24), nullable=False),
    sa.Column('applicant_key', sa.String(length=64), nullable=True),
    sa.Column('received_on', sa.Date(), nullable=False),
    sa.Column('result_on', sa.Date(), nullable=False),
    sa.Column('on_time', sa.Boolean(), nullable=False),
    sa.Column('imported_at', sa.DateTime(timezone=True), nullable=False),
    sa.CheckConstraint('result_on >= received_on', name=op.f('ck_dossiers_dates')),
    sa.ForeignKeyConstraint(['unit_id'], ['units.id'], name=op.f('fk_dossiers_unit_id_units')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_dossiers')),
    sa.UniqueConstraint('code', name=op.f('uq_dossiers_code'))
    )
    with op.batch_alter_table('dossiers', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_dossiers_applicant_key'), ['applicant_key'], unique=False)
        batch_op.create_index('ix_dossiers_unit_id_result_on', ['unit_id', 'result_on'], unique=False)

    op.create_table('instrument_versions',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('instrument_id', sa.Integer(), nullable=False),
    sa.Column('version', sa.Integer(), nullable=False),
    sa.Column('content_hash', sa.String(length=64), nullable=False),
    sa.Column('definition', sa.JSON().with_variant(postgresql.JSONB(astext_type=sa.Text()), 'postgresql'), nullable=False),
    sa.Column('source', sa.Text(), nullable=False),
    sa.Column('status', sa.Enum('draft', 'published', 'retired', name='instrument_status', native_enum=False, create_constraint=True, length=24), nullable=False),
    sa.Column('published_at', sa.DateTime(timezone=True), nullable=True),
    sa.Column('created_at', sa.DateTime(timezone=True), nullable=False),
    sa.ForeignKeyConstraint(['instrument_id'], ['instruments.id'], name=op.f('fk_instrument_versions_instrument_id_instruments')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_instrument_versions')),
    sa.UniqueConstraint('content_hash', name=op.f('uq_instrument_versions_content_hash')),
    sa.UniqueConstraint('instrument_id', 'version', name=op.f('uq_instrument_versions_instrument_id_version'))
    )
    op.create_table('procedures',
    sa.Column('code', sa.String(length=32), nullable=False),
    sa.Column('name', sa.String(length=300), nullable=False),
    sa.Column('field_code', sa.String(length=32), nullable=False),
    sa.ForeignKeyConstraint(['field_code'], ['service_fields.code'], name=op.f('fk_procedures_field_code_service_fields')),
    sa.PrimaryKeyConstraint('code', name=op.f('pk_procedures'))
    )
    with op.batch_alter_table('procedures', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_procedures_field_code'), ['field_code'], unique=False)

    op.create_table('user_unit_scopes',
    sa.Column('user_id', sa.Integer(), nullable=False),
    sa.Column('unit_id', sa.Integer(), nullable=False),
    sa.ForeignKeyConstraint(['unit_id'], ['units.id'], name=op.f('fk_user_unit_scopes_unit_id_units')),
    sa.ForeignKeyConstraint(['user_id'], ['users.id'], name=op.f('fk_user_unit_scopes_user_id_users'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('user_id', 'unit_id', name=op.f('pk_user_unit_scopes'))
    )
    op.create_table('dossier_contacts',
    sa.Column('dossier_id', sa.BigInteger().with_variant(sa.Integer(), 'sqlite'), nullable=False),
    sa.Column('phone', sa.String(length=32), nullable=True),
    sa.Column('email', sa.String(length=254), nullable=True),
    sa.Column('opted_out', sa.Boolean(), nullable=False),
    sa.Column('purged_at', sa.DateTime(timezone=True), nullable=True),
    sa.ForeignKeyConstraint(['dossier_id'], ['dossiers.id'], name=op.f('fk_dossier_contacts_dossier_id_dossiers'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('dossier_id', name=op.f('pk_dossier_contacts'))
    )
    op.create_table('surveys',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('code', sa.String(length=64), nullable=False),
    sa.Column('title', sa.String(length=300), nullable=False),
    sa.Column('instrument_version_id', sa.Integer(), nullable=False),
    sa.Column('period_start', sa.Date(), nullable=False),
    sa.Column('period_end', sa.Date(), nullable=False),
    sa.Column('modes', sa.JSON().with_variant(postgresql.JSONB(astext_type=sa.Text()), 'postgresql'), nullable=False),
    sa.Column('status', sa.Enum('planned', 'fielding', 'closed', name='survey_status', native_enum=False, create_constraint=True, length=24), nullable=False),
    sa.Column('created_at', sa.DateTime(timezone=True), nullable=False),
    sa.CheckConstraint('period_end >= period_start', name=op.f('ck_surveys_period')),
    sa.ForeignKeyConstraint(['instrument_version_id'], ['instrument_versions.id'], name=op.f('fk_surveys_instrument_version_id_instrument_versions')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_surveys')),
    sa.UniqueConstraint('code', name=op.f('uq_surveys_code'))
    )
    with op.batch_alter_table('surveys', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_surveys_instrument_version_id'), ['instrument_version_id'], unique=False)

    op.create_table('sample_designs',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('survey_id', sa.Integer(), nullable=False),
    sa.Column('name', sa.String(length=200), nullable=False),
    sa.Column('version', sa.Integer(), nullable=False),
    sa.Column('spec', sa.JSON().with_variant(postgresql.JSONB(astext_type=sa.Text()), 'postgresql'), nullable=False),
    sa.Column('seed', sa.BigInteger().with_variant(sa.Integer(), 'sqlite'), nullable=True),
    sa.Column('library_version', sa.String(length=32), nullable=True),
    sa.Column('created_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('drawn_at', sa.DateTime(timezone=True), nullable=True),
    sa.ForeignKeyConstraint(['survey_id'], ['surveys.id'], name=op.f('fk_sample_designs_survey_id_surveys')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_sample_designs')),
    sa.UniqueConstraint('survey_id', 'name', 'version', name=op.f('uq_sample_designs_survey_id_name_version'))
    )
    with op.batch_alter_table('sample_designs', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_sample_designs_survey_id'), ['survey_id'], unique=False)

    op.create_table('simulation_truths',
    sa.Column('survey_id', sa.Integer(), nullable=False),
    sa.Column('unit_id', sa.Integer(), nullable=False),
    sa.Column('item_code', sa.String(length=64), nullable=False),
    sa.Column('share_satisfied', sa.Float(), nullable=False),
    sa.ForeignKeyConstraint(['survey_id'], ['surveys.id'], name=op.f('fk_simulation_truths_survey_id_surveys'), ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['unit_id'], ['units.id'], name=op.f('fk_simulation_truths_unit_id_units')),
    sa.PrimaryKeyConstraint('survey_id', 'unit_id', 'item_code', name=op.f('pk_simulation_truths'))
    )
    op.create_table('survey_units',
    sa.Column('survey_id', sa.Integer(), nullable=False),
    sa.Column('unit_id', sa.Integer(), nullable=False),
    sa.ForeignKeyConstraint(['survey_id'], ['surveys.id'], name=op.f('fk_survey_units_survey_id_surveys')),
    sa.ForeignKeyConstraint(['unit_id'], ['units.id'], name=op.f('fk_survey_units_unit_id_units')),
    sa.PrimaryKeyConstraint('survey_id', 'unit_id', name=op.f('pk_survey_units'))
    )
    op.create_table('strata',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('design_id', sa.Integer(), nullable=False),
    sa.Column('key', sa.String(length=200), nullable=False),
    sa.Column('unit_id', sa.Integer(), nullable=True),
    sa.Column('channel', sa.Enum('in_person', 'online', 'postal', name='channel', native_enum=False, create_constraint=True, length=24), nullable=True),
    sa.Column('field_code', sa.String(length=32), nullable=True),
    sa.Column('population_size', sa.Integer(), nullable=False),
    sa.Column('sample_size', sa.Integer(), nullable=False),
    sa.CheckConstraint('sample_size >= 0 AND sample_size <= population_size', name=op.f('ck_strata_sizes')),
    sa.ForeignKeyConstraint(['design_id'], ['sample_designs.id'], name=op.f('fk_strata_design_id_sample_designs'), ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['unit_id'], ['units.id'], name=op.f('fk_strata_unit_id_units')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_strata')),
    sa.UniqueConstraint('design_id', 'key', name=op.f('uq_strata_design_id_key'))
    )
    with op.batch_alter_table('strata', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_strata_unit_id'), ['unit_id'], unique=False)

    op.create_table('weight_sets',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('survey_id', sa.Integer(), nullable=False),
    sa.Column('design_id', sa.Integer(), nullable=True),
    sa.Column('method', sa.String(length=64), nullable=False),
    sa.Column('parameters', sa.JSON().with_variant(postgresql.JSONB(astext_type=sa.Text()), 'postgresql'), nullable=False),
    sa.Column('diagnostics', sa.JSON().with_variant(postgresql.JSONB(astext_type=sa.Text()), 'postgresql'), nullable=False),
    sa.Column('created_at', sa.DateTime(timezone=True), nullable=False),
    sa.ForeignKeyConstraint(['design_id'], ['sample_designs.id'], name=op.f('fk_weight_sets_design_id_sample_designs')),
    sa.ForeignKeyConstraint(['survey_id'], ['surveys.id'], name=op.f('fk_weight_sets_survey_id_surveys')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_weight_sets'))
    )
    with op.batch_alter_table('weight_sets', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_weight_sets_survey_id'), ['survey_id'], unique=False)

    op.create_table('sample_members',
    sa.Column('id', sa.BigInteger().with_variant(sa.Integer(), 'sqlite'), nullable=False),
    sa.Column('design_id', sa.Integer(), nullable=False),
    sa.Column('stratum_id', sa.Integer(), nullable=False),
    sa.Column('dossier_id', sa.BigInteger().with_variant(sa.Integer(), 'sqlite'), nullable=False),
    sa.Column('unit_id', sa.Integer(), nullable=False),
    sa.Column('inclusion_probability', sa.Float(), nullable=False),
    sa.Column('base_weight', sa.Float(), nullable=False),
    sa.Column('is_reserve', sa.Boolean(), nullable=False),
    sa.Column('token_hash', sa.String(length=64), nullable=True),
    sa.Column('token_expires_at', sa.DateTime(timezone=True), nullable=True),
    sa.CheckConstraint('inclusion_probability > 0 AND inclusion_probability <= 1', name=op.f('ck_sample_members_probability')),
    sa.ForeignKeyConstraint(['design_id'], ['sample_designs.id'], name=op.f('fk_sample_members_design_id_sample_designs'), ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['dossier_id'], ['dossiers.id'], name=op.f('fk_sample_members_dossier_id_dossiers')),
    sa.ForeignKeyConstraint(['stratum_id'], ['strata.id'], name=op.f('fk_sample_members_stratum_id_strata')),
    sa.ForeignKeyConstraint(['unit_id'], ['units.id'], name=op.f('fk_sample_members_unit_id_units')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_sample_members')),
    sa.UniqueConstraint('design_id', 'dossier_id', name=op.f('uq_sample_members_design_id_dossier_id')),
    sa.UniqueConstraint('token_hash', name=op.f('uq_sample_members_token_hash'))
    )
    with op.batch_alter_table('sample_members', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_sample_members_dossier_id'), ['dossier_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_sample_members_stratum_id'), ['stratum_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_sample_members_unit_id'), ['unit_id'], unique=False)

    op.create_table('fieldwork_events',
    sa.Column('id', sa.BigInteger().with_variant(sa.Integer(), 'sqlite'), nullable=False),
    sa.Column('sample_member_id', sa.BigInteger().with_variant(sa.Integer(), 'sqlite'), nullable=False),
    sa.Column('outcome', sa.Enum('invited', 'responded', 'partial', 'refused', 'non_contact', 'ineligible', name='outcome', native_enum=False, create_constraint=True, length=24), nullable=False),
    sa.Column('recorded_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('source', sa.String(length=32), nullable=False),
    sa.Column('note', sa.Text(), nullable=True),
    sa.ForeignKeyConstraint(['sample_member_id'], ['sample_members.id'], name=op.f('fk_fieldwork_events_sample_member_id_sample_members'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_fieldwork_events'))
    )
    with op.batch_alter_table('fieldwork_events', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_fieldwork_events_sample_member_id'), ['sample_member_id'], unique=False)

    op.create_table('invitations',
    sa.Column('id', sa.BigInteger().with_variant(sa.Integer(), 'sqlite'), nullable=False),
    sa.Column('sample_member_id', sa.BigInteger().with_variant(sa.Integer(), 'sqlite'), nullable=False),
    sa.Column('channel', sa.String(length=16), nullable=False),
    sa.Column('sent_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('reminder', sa.SmallInteger(), nullable=False),
    sa.ForeignKeyConstraint(['sample_member_id'], ['sample_members.id'], name=op.f('fk_invitations_sample_member_id_sample_members'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_invitations'))
    )
    with op.batch_alter_table('invitations', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_invitations_sample_member_id'), ['sample_member_id'], unique=False)

    op.create_table('responses',
    sa.Column('id', sa.BigInteger().with_variant(sa.Integer(), 'sqlite'), nullable=False),
    sa.Column('survey_id', sa.Integer(), nullable=False),
    sa.Column('instrument_version_id', sa.Integer(), nullable=False),
    sa.Column('content_hash', sa.String(length=64), nullable=False),
    sa.Column('unit_id', sa.Integer(), nullable=False),
    sa.Column('reception_point_id', sa.Integer(), nullable=True),
    sa.Column('sample_member_id', sa.BigInteger().with_variant(sa.Integer(), 'sqlite'), nullable=True),
    sa.Column('mode', sa.Enum('invitation', 'receipt', 'open_link', name='response_mode', native_enum=False, create_constraint=True, length=24), nullable=False),
    sa.Column('probability_sample', sa.Boolean(), nullable=False),
    sa.Column('language', sa.String(length=8), nullable=False),
    sa.Column('finished', sa.Boolean(), nullable=False),
    sa.Column('started_at', sa.DateTime(timezone=True), nullable=True),
    sa.Column('submitted_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('submission_key', sa.String(length=64), nullable=True),
    sa.Column('client_hash', sa.String(length=64), nullable=True),
    sa.Column('device_hash', sa.String(length=64), nullable=True),
    sa.Column('flags', sa.JSON().with_variant(postgresql.JSONB(astext_type=sa.Text()), 'postgresql'), nullable=False),
    sa.ForeignKeyConstraint(['instrument_version_id'], ['instrument_versions.id'], name=op.f('fk_responses_instrument_version_id_instrument_versions')),
    sa.ForeignKeyConstraint(['reception_point_id'], ['units.id'], name=op.f('fk_responses_reception_point_id_units')),
    sa.ForeignKeyConstraint(['sample_member_id'], ['sample_members.id'], name=op.f('fk_responses_sample_member_id_sample_members')),
    sa.ForeignKeyConstraint(['survey_id'], ['surveys.id'], name=op.f('fk_responses_survey_id_surveys')),
    sa.ForeignKeyConstraint(['unit_id'], ['units.id'], name=op.f('fk_responses_unit_id_units')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_responses')),
    sa.UniqueConstraint('sample_member_id', name=op.f('uq_responses_sample_member_id')),
    sa.UniqueConstraint('submission_key', name=op.f('uq_responses_submission_key'))
    )
    with op.batch_alter_table('responses', schema=None) as batch_op:
        batch_op.create_index('ix_responses_client_hash_submitted_at', ['client_hash', 'submitted_at'], unique=False)
        batch_op.create_index('ix_responses_survey_id_unit_id', ['survey_id', 'unit_id'], unique=False)

    op.create_table('answers',
    sa.Column('id', sa.BigInteger().with_variant(sa.Integer(), 'sqlite'), nullable=False),
    sa.Column('response_id', sa.BigInteger().with_variant(sa.Integer(), 'sqlite'), nullable=False),
    sa.Column('item_code', sa.String(length=64), nullable=False),
    sa.Column('value', sa.SmallInteger(), nullable=True),
    sa.Column('text', sa.Text(), nullable=True),
    sa.Column('satisfied', sa.Boolean(), nullable=True),
    sa.ForeignKeyConstraint(['response_id'], ['responses.id'], name=op.f('fk_answers_response_id_responses'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_answers')),
    sa.UniqueConstraint('response_id', 'item_code', 'value', name=op.f('uq_answers_response_id_item_code_value'))
    )
    with op.batch_alter_table('answers', schema=None) as batch_op:
        batch_op.create_index('ix_answers_item_code_response_id', ['item_code', 'response_id'], unique=False)

    op.create_table('response_weights',
    sa.Column('weight_set_id', sa.Integer(), nullable=False),
    sa.Column('response_id', sa.BigInteger().with_variant(sa.Integer(), 'sqlite'), nullable=False),
    sa.Column('weight', sa.Float(), nullable=False),
    sa.CheckConstraint('weight >= 0', name=op.f('ck_response_weights_nonnegative')),
    sa.ForeignKeyConstraint(['response_id'], ['responses.id'], name=op.f('fk_response_weights_response_id_responses'), ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['weight_set_id'], ['weight_sets.id'], name=op.f('fk_response_weights_weight_set_id_weight_sets'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('weight_set_id', 'response_id', name=op.f('pk_response_weights'))
    )



def downgrade() -> None:

    op.drop_table('response_weights')
    with op.batch_alter_table('answers', schema=None) as batch_op:
        batch_op.drop_index('ix_answers_item_code_response_id')

    op.drop_table('answers')
    with op.batch_alter_table('responses', schema=None) as batch_op:
        batch_op.drop_index('ix_responses_survey_id_unit_id')
        batch_op.drop_index('ix_responses_client_hash_submitted_at')

    op.drop_table('responses')
    with op.batch_alter_table('invitations', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_invitations_sample_member_id'))

    op.drop_table('invitations')
    with op.batch_alter_table('fieldwork_events', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_fieldwork_events_sample_member_id'))

    op.drop_table('fieldwork_events')
    with op.batch_alter_table('sample_members', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_sample_members_unit_id'))
        batch_op.drop_index(batch_op.f('ix_sample_members_stratum_id'))
        batch_op.drop_index(batch_op.f('ix_sample_members_dossier_id'))

    op.drop_table('sample_members')
    with op.batch_alter_table('weight_sets', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_weight_sets_survey_id'))

    op.drop_table('weight_sets')
    with op.batch_alter_table('strata', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_strata_unit_id'))

    op.drop_table('strata')
    op.drop_table('survey_units')
    op.drop_table('simulation_truths')
    with op.batch_alter_table('sample_designs', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_sample_designs_survey_id'))

    op.drop_table('sample_designs')
    with op.batch_alter_table('surveys', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_surveys_instrument_version_id'))

    op.drop_table('surveys')
    op.drop_table('dossier_contacts')
    op.drop_table('user_unit_scopes')
    with op.batch_alter_table('procedures', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_procedures_field_code'))

    op.drop_table('procedures')
    op.drop_table('instrument_versions')
    with op.batch_alter_table('dossiers', schema=None) as batch_op:
        batch_op.drop_index('ix_dossiers_unit_id_result_on')
        batch_op.drop_index(batch_op.f('ix_dossiers_applicant_key'))

    op.drop_table('dossiers')
    with op.batch_alter_table('audit_log', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_audit_log_at'))

    op.drop_table('audit_log')
    with op.batch_alter_table('api_tokens', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_api_tokens_user_id'))

    op.drop_table('api_tokens')
    op.drop_table('users')
    with op.batch_alter_table('units', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_units_parent_id'))

    op.drop_table('units')
    op.drop_table('service_fields')
    op.drop_table('instruments')


"""receipt tokens and drafts

Revision ID: 0002
Revises: 0001
Create Date: 2026-11-22 02:55:25.078719
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op
from sqlalchemy.dialects import postgresql

revision: str = '0002'
down_revision: str | None = '0001'
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:

    op.create_table('response_drafts',
    sa.Column('token_hash', sa.String(length=64), nullable=False),
    sa.Column('answers', sa.JSON().with_variant(postgresql.JSONB(astext_type=sa.Text()), 'postgresql'), nullable=False),
    sa.Column('page', sa.SmallInteger(), nullable=False),
    sa.Column('language', sa.String(length=8), nullable=False),
    sa.Column('started_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('updated_at', sa.DateTime(timezone=True), nullable=False),
    sa.PrimaryKeyConstraint('token_hash', name=op.f('pk_response_drafts'))
    )
    op.create_table('receipt_tokens',
    sa.Column('id', sa.BigInteger().with_variant(sa.Integer(), 'sqlite'), nullable=False),
    sa.Column('dossier_id', sa.BigInteger().with_variant(sa.Integer(), 'sqlite'), nullable=False),
    sa.Column('survey_id', sa.Integer(), nullable=False),
    sa.Column('unit_id', sa.Integer(), nullable=False),
    sa.Column('token_hash', sa.String(length=64), nullable=False),
    sa.Column('expires_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('created_at', sa.DateTime(timezone=True), nullable=False),
    sa.ForeignKeyConstraint(['dossier_id'], ['dossiers.id'], name=op.f('fk_receipt_tokens_dossier_id_dossiers')),
    sa.ForeignKeyConstraint(['survey_id'], ['surveys.id'], name=op.f('fk_receipt_tokens_survey_id_surveys')),
    sa.ForeignKeyConstraint(['unit_id'], ['units.id'], name=op.f('fk_receipt_tokens_unit_id_units')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_receipt_tokens')),
    sa.UniqueConstraint('dossier_id', name=op.f('uq_receipt_tokens_dossier_id')),
    sa.UniqueConstraint('token_hash', name=op.f('uq_receipt_tokens_token_hash'))
    )
    with op.batch_alter_table('responses', schema=None) as batch_op:
        batch_op.add_column(sa.Column('receipt_token_id', sa.BigInteger().with_variant(sa.Integer(), 'sqlite'), nullable=True))
        batch_op.create_unique_constraint(batch_op.f('uq_responses_receipt_token_id'), ['receipt_token_id'])
        batch_op.create_foreign_key(batch_op.f('fk_responses_receipt_token_id_receipt_tokens'), 'receipt_tokens', ['receipt_token_id'], ['id'])




def downgrade() -> None:

    with op.batch_alter_table('responses', schema=None) as batch_op:
        batch_op.drop_constraint(batch_op.f('fk_responses_receipt_token_id_receipt_tokens'), type_='foreignkey')
        batch_op.drop_constraint(batch_op.f('uq_responses_receipt_token_id'), type_='unique')
        batch_op.drop_column('receipt_token_id')

    op.drop_table('receipt_tokens')
    op.drop_table('response_drafts')


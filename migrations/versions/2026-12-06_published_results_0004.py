"""published results

Revision ID: 0004
Revises: 0003
Create Date: 2026-12-06 13:05:00

Frozen snapshots of a period's results for the staff dashboards: one row per
publication, and its documents (each unit's scorecard, each league table) as JSON text.
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op
from sqlalchemy.dialects import postgresql

revision: str = '0004'
down_revision: str | None = '0003'
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table('published_results',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('survey_id', sa.Integer(), nullable=False),
    sa.Column('published_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('published_by', sa.Integer(), nullable=True),
    sa.Column('options', sa.JSON().with_variant(postgresql.JSONB(astext_type=sa.Text()), 'postgresql'), nullable=False),
    sa.Column('summary', sa.JSON().with_variant(postgresql.JSONB(astext_type=sa.Text()), 'postgresql'), nullable=False),
    sa.ForeignKeyConstraint(['published_by'], ['users.id'], name=op.f('fk_published_results_published_by_users'), ondelete='SET NULL'),
    sa.ForeignKeyConstraint(['survey_id'], ['surveys.id'], name=op.f('fk_published_results_survey_id_surveys')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_published_results'))
    )
    with op.batch_alter_table('published_results', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_published_results_survey_id'), ['survey_id'], unique=False)

    op.create_table('published_parts',
    sa.Column('result_id', sa.Integer(), nullable=False),
    sa.Column('part', sa.String(length=16), nullable=False),
    sa.Column('key', sa.String(length=128), nullable=False),
    sa.Column('document', sa.Text(), nullable=False),
    sa.ForeignKeyConstraint(['result_id'], ['published_results.id'], name=op.f('fk_published_parts_result_id_published_results'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('result_id', 'part', 'key', name=op.f('pk_published_parts'))
    )


def downgrade() -> None:
    op.drop_table('published_parts')
    with op.batch_alter_table('published_results', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_published_results_survey_id'))
    op.drop_table('published_results')

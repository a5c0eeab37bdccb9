"""session last seen

Revision ID: 0006
Revises: 0005
Create Date: 2026-12-06 14:30:00

When each staff session last made a request, for the idle timeout
(``SURVEY_SESSION_IDLE_MINUTES``). Sessions open at the upgrade count as seen when they
started.
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = '0006'
down_revision: str | None = '0005'
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    with op.batch_alter_table('staff_sessions', schema=None) as batch_op:
        batch_op.add_column(sa.Column('last_seen_at', sa.DateTime(timezone=True), nullable=True))
    op.execute("UPDATE staff_sessions SET last_seen_at = created_at")
    with op.batch_alter_table('staff_sessions', schema=None) as batch_op:
        batch_op.alter_column(
            'last_seen_at', existing_type=sa.DateTime(timezone=True), nullable=False
        )


def downgrade() -> None:
    with op.batch_alter_table('staff_sessions', schema=None) as batch_op:
        batch_op.drop_column('last_seen_at')

"""response device index

Revision ID: 0005
Revises: 0004
Create Date: 2026-12-06 14:05:00

An index on the responses' device hash and submit time: the open-link form's
one-answer-per-device check looks the batch's devices up within a time window, which
without it scanned every response of the window.
"""

from collections.abc import Sequence

from alembic import op

revision: str = '0005'
down_revision: str | None = '0004'
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    with op.batch_alter_table('responses', schema=None) as batch_op:
        batch_op.create_index(
            'ix_responses_device_hash_submitted_at', ['device_hash', 'submitted_at'], unique=False
        )


def downgrade() -> None:
    with op.batch_alter_table('responses', schema=None) as batch_op:
        batch_op.drop_index('ix_responses_device_hash_submitted_at')

"""query_log.user_id and query_log.private (who asked, and whether only they may see it);
vote.user_id nullable (/forget keeps a vote counted but unlinked from its member)

Revision ID: 0004
Revises: 0003
"""
from alembic import op
import sqlalchemy as sa

revision = "0004"
down_revision = "0003"
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table("query_log") as batch:
        batch.add_column(sa.Column("user_id", sa.BigInteger(), nullable=True))
        batch.add_column(sa.Column("private", sa.Boolean(), nullable=False, server_default=sa.false()))
        batch.create_index("ix_query_log_user_id", ["user_id"])
    with op.batch_alter_table("vote") as batch:
        batch.alter_column("user_id", existing_type=sa.BigInteger(), nullable=True)


def downgrade() -> None:
    op.execute("DELETE FROM vote WHERE user_id IS NULL")
    with op.batch_alter_table("vote") as batch:
        batch.alter_column("user_id", existing_type=sa.BigInteger(), nullable=False)
    with op.batch_alter_table("query_log") as batch:
        batch.drop_index("ix_query_log_user_id")
        batch.drop_column("private")
        batch.drop_column("user_id")

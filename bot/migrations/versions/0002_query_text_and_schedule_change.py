"""query_log.query (the topic as typed, for replays) and guild_settings.digest_schedule_changed_at

Revision ID: 0002
Revises: 0001
"""
from alembic import op
import sqlalchemy as sa
import sqlmodel.sql.sqltypes

revision = "0002"
down_revision = "0001"
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table("query_log") as batch:
        batch.add_column(sa.Column("query", sqlmodel.sql.sqltypes.AutoString(length=500), nullable=False,
                                   server_default=""))
    with op.batch_alter_table("guild_settings") as batch:
        batch.add_column(sa.Column("digest_schedule_changed_at", sa.DateTime(timezone=True), nullable=True))
    # Existing guilds: their last settings change is the best record of the last schedule change.
    op.execute("UPDATE guild_settings SET digest_schedule_changed_at = updated_at")


def downgrade() -> None:
    with op.batch_alter_table("guild_settings") as batch:
        batch.drop_column("digest_schedule_changed_at")
    with op.batch_alter_table("query_log") as batch:
        batch.drop_column("query")

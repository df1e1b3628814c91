"""catalogue and community: search over tags, favourites, ticket threads, the guide role, image thumbnails

Revision ID: 0009
Revises: 0008
Create Date: 2026-12-06 05:30:00.000000
"""

from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op
from sqlalchemy.dialects import postgresql

revision: str = "0009"
down_revision: str | None = "0008"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

_TEXT = "coalesce(title, '') || ' ' || coalesce(description, '') || ' ' || coalesce(country, '') || ' ' || coalesce(city, '')"
_OLD_SEARCH = f"to_tsvector('english'::regconfig, {_TEXT})"
_NEW_SEARCH = f"to_tsvector('english'::regconfig, {_TEXT} || ' ' || tour_tags_text(tags))"


def _search(expression: str) -> None:
    # A generated column's expression cannot be altered (before PostgreSQL 17): drop it and add it again.
    op.drop_index("ix_tour_search", table_name="tour", postgresql_using="gin")
    op.drop_column("tour", "search")
    op.add_column("tour", sa.Column("search", postgresql.TSVECTOR(), sa.Computed(expression, persisted=True),
                                    nullable=False))
    op.create_index("ix_tour_search", "tour", ["search"], unique=False, postgresql_using="gin")


def upgrade() -> None:
    # array_to_string is STABLE (element output functions may be); for text[] it is not, and a generated
    # column needs an IMMUTABLE expression.
    op.execute(
        "CREATE FUNCTION tour_tags_text(tags varchar[]) RETURNS text LANGUAGE sql IMMUTABLE PARALLEL SAFE "
        "RETURN coalesce(array_to_string(tags, ' '), '')"
    )
    _search(_NEW_SEARCH)

    op.create_table(
        "favourite",
        sa.Column("user_id", sa.Uuid(), nullable=False),
        sa.Column("tour_id", sa.Uuid(), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), server_default=sa.text("now()"), nullable=False),
        sa.ForeignKeyConstraint(["tour_id"], ["tour.id"], name=op.f("fk_favourite_tour_id_tour"), ondelete="CASCADE"),
        sa.ForeignKeyConstraint(["user_id"], ["user_account.id"], name=op.f("fk_favourite_user_id_user_account"),
                                ondelete="CASCADE"),
        sa.PrimaryKeyConstraint("user_id", "tour_id", name=op.f("pk_favourite")),
    )
    op.create_index("ix_favourite_user_created", "favourite",
                    ["user_id", sa.text("created_at DESC"), sa.text("tour_id DESC")], unique=False)
    op.create_index(op.f("ix_favourite_tour_id"), "favourite", ["tour_id"], unique=False)

    op.create_table(
        "ticket_message",
        sa.Column("id", sa.Uuid(), nullable=False),
        sa.Column("ticket_id", sa.Uuid(), nullable=False),
        sa.Column("author", sa.String(length=8), nullable=False),
        sa.Column("text", sa.Text(), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), server_default=sa.text("now()"), nullable=False),
        sa.CheckConstraint("author IN ('user', 'staff')", name=op.f("ck_ticket_message_author")),
        sa.ForeignKeyConstraint(["ticket_id"], ["support_ticket.id"],
                                name=op.f("fk_ticket_message_ticket_id_support_ticket"), ondelete="CASCADE"),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_ticket_message")),
    )
    op.create_index("ix_ticket_message_ticket_created", "ticket_message", ["ticket_id", "created_at", "id"],
                    unique=False)
    # The threads of the tickets that exist: their first message, and the staff's reply when there is one.
    op.execute(
        "INSERT INTO ticket_message (id, ticket_id, author, text, created_at) "
        "SELECT gen_random_uuid(), id, 'user', message, created_at FROM support_ticket"
    )
    op.execute(
        "INSERT INTO ticket_message (id, ticket_id, author, text, created_at) "
        "SELECT gen_random_uuid(), id, 'staff', reply, updated_at FROM support_ticket WHERE reply IS NOT NULL"
    )

    op.drop_constraint(op.f("ck_user_account_role"), "user_account", type_="check")
    op.create_check_constraint(op.f("ck_user_account_role"), "user_account", "role IN ('user', 'guide', 'admin')")

    # WebP thumbnails made after an upload: {"<size>": "<object key>"}.
    op.add_column("tour_image", sa.Column("thumbnails", postgresql.JSONB(astext_type=sa.Text()),
                                          server_default=sa.text("'{}'::jsonb"), nullable=False))
    op.add_column("user_account", sa.Column("avatar_thumbnail_keys", postgresql.JSONB(astext_type=sa.Text()),
                                            server_default=sa.text("'{}'::jsonb"), nullable=False))


def downgrade() -> None:
    op.drop_column("user_account", "avatar_thumbnail_keys")
    op.drop_column("tour_image", "thumbnails")
    op.execute("UPDATE user_account SET role = 'user' WHERE role = 'guide'")
    op.drop_constraint(op.f("ck_user_account_role"), "user_account", type_="check")
    op.create_check_constraint(op.f("ck_user_account_role"), "user_account", "role IN ('user', 'admin')")
    op.drop_index("ix_ticket_message_ticket_created", table_name="ticket_message")
    op.drop_table("ticket_message")
    op.drop_index(op.f("ix_favourite_tour_id"), table_name="favourite")
    op.drop_index("ix_favourite_user_created", table_name="favourite")
    op.drop_table("favourite")
    _search(_OLD_SEARCH)
    op.execute("DROP FUNCTION tour_tags_text(varchar[])")

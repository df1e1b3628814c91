"""tours departures images

Revision ID: 0002
Revises: 0001
Create Date: 2026-11-22 20:44:54.098047
"""

from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op
from sqlalchemy.dialects import postgresql

revision: str = "0002"
down_revision: str | None = "0001"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table(
        "tour",
        sa.Column("id", sa.Uuid(), nullable=False),
        sa.Column("slug", sa.String(length=240), nullable=False),
        sa.Column("title", sa.String(length=200), nullable=False),
        sa.Column("description", sa.Text(), nullable=False),
        sa.Column("country", sa.String(length=100), nullable=False),
        sa.Column("city", sa.String(length=100), nullable=False),
        sa.Column("duration_days", sa.Integer(), nullable=False),
        sa.Column("price_cents", sa.Integer(), nullable=False),
        sa.Column("currency", sa.String(length=3), nullable=False),
        sa.Column("tags", postgresql.ARRAY(sa.String(length=50)), server_default="{}", nullable=False),
        sa.Column("rating", sa.Numeric(precision=3, scale=2, asdecimal=False), nullable=True),
        sa.Column("rating_sum", sa.Integer(), server_default="0", nullable=False),
        sa.Column("reviews_count", sa.Integer(), server_default="0", nullable=False),
        sa.Column("is_published", sa.Boolean(), server_default="false", nullable=False),
        sa.Column(
            "search",
            postgresql.TSVECTOR(),
            sa.Computed(
                "to_tsvector('english'::regconfig, coalesce(title, '') || ' ' || coalesce(description, '') || ' ' || coalesce(country, '') || ' ' || coalesce(city, ''))",
                persisted=True,
            ),
            nullable=False,
        ),
        sa.Column("created_at", sa.DateTime(timezone=True), server_default=sa.text("now()"), nullable=False),
        sa.Column("updated_at", sa.DateTime(timezone=True), server_default=sa.text("now()"), nullable=False),
        sa.CheckConstraint("duration_days BETWEEN 1 AND 60", name=op.f("ck_tour_duration")),
        sa.CheckConstraint("price_cents > 0", name=op.f("ck_tour_price_positive")),
        sa.CheckConstraint("reviews_count >= 0 AND rating_sum >= 0", name=op.f("ck_tour_reviews")),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_tour")),
        sa.UniqueConstraint("slug", name=op.f("uq_tour_slug")),
    )
    op.create_index(
        "ix_tour_city", "tour", [sa.literal_column("lower(city)")], unique=False, postgresql_where="is_published"
    )
    op.create_index(
        "ix_tour_country_price",
        "tour",
        [sa.literal_column("lower(country)"), "price_cents", "id"],
        unique=False,
        postgresql_where="is_published",
    )
    op.create_index(
        "ix_tour_created",
        "tour",
        [sa.literal_column("created_at DESC"), sa.literal_column("id DESC")],
        unique=False,
        postgresql_where="is_published",
    )
    op.create_index("ix_tour_price", "tour", ["price_cents", "id"], unique=False, postgresql_where="is_published")
    op.create_index(
        "ix_tour_rating",
        "tour",
        [sa.literal_column("coalesce(rating, 0)"), "id"],
        unique=False,
        postgresql_where="is_published",
    )
    op.create_index("ix_tour_search", "tour", ["search"], unique=False, postgresql_using="gin")
    op.create_index("ix_tour_tags", "tour", ["tags"], unique=False, postgresql_using="gin")
    op.create_table(
        "departure",
        sa.Column("id", sa.Uuid(), nullable=False),
        sa.Column("tour_id", sa.Uuid(), nullable=False),
        sa.Column("starts_on", sa.Date(), nullable=False),
        sa.Column("capacity", sa.Integer(), nullable=False),
        sa.Column("seats_taken", sa.Integer(), server_default="0", nullable=False),
        sa.Column("price_cents", sa.Integer(), nullable=True),
        sa.Column("status", sa.String(length=16), server_default="open", nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), server_default=sa.text("now()"), nullable=False),
        sa.Column("updated_at", sa.DateTime(timezone=True), server_default=sa.text("now()"), nullable=False),
        sa.CheckConstraint("status IN ('open', 'closed', 'cancelled')", name=op.f("ck_departure_status")),
        sa.CheckConstraint("capacity BETWEEN 1 AND 1000", name=op.f("ck_departure_capacity")),
        sa.CheckConstraint("price_cents IS NULL OR price_cents > 0", name=op.f("ck_departure_price_positive")),
        sa.CheckConstraint("seats_taken >= 0 AND seats_taken <= capacity", name=op.f("ck_departure_seats_taken")),
        sa.ForeignKeyConstraint(["tour_id"], ["tour.id"], name=op.f("fk_departure_tour_id_tour"), ondelete="CASCADE"),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_departure")),
        sa.UniqueConstraint("tour_id", "starts_on", name=op.f("uq_departure_tour_id_starts_on")),
    )
    op.create_index(
        "ix_departure_open_window",
        "departure",
        ["starts_on", "tour_id", "capacity", "seats_taken"],
        unique=False,
        postgresql_where="status = 'open'",
    )
    op.create_table(
        "tour_image",
        sa.Column("id", sa.Uuid(), nullable=False),
        sa.Column("tour_id", sa.Uuid(), nullable=False),
        sa.Column("key", sa.String(length=300), nullable=False),
        sa.Column("content_type", sa.String(length=50), nullable=False),
        sa.Column("status", sa.String(length=16), server_default="pending", nullable=False),
        sa.Column("position", sa.Integer(), server_default="0", nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), server_default=sa.text("now()"), nullable=False),
        sa.CheckConstraint("status IN ('pending', 'attached')", name=op.f("ck_tour_image_status")),
        sa.ForeignKeyConstraint(["tour_id"], ["tour.id"], name=op.f("fk_tour_image_tour_id_tour"), ondelete="CASCADE"),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_tour_image")),
        sa.UniqueConstraint("key", name=op.f("uq_tour_image_key")),
    )
    op.create_index(op.f("ix_tour_image_tour_id"), "tour_image", ["tour_id", "position"], unique=False)


def downgrade() -> None:
    op.drop_index(op.f("ix_tour_image_tour_id"), table_name="tour_image")
    op.drop_table("tour_image")
    op.drop_index("ix_departure_open_window", table_name="departure", postgresql_where="status = 'open'")
    op.drop_table("departure")
    op.drop_index("ix_tour_tags", table_name="tour", postgresql_using="gin")
    op.drop_index("ix_tour_search", table_name="tour", postgresql_using="gin")
    op.drop_index("ix_tour_rating", table_name="tour", postgresql_where="is_published")
    op.drop_index("ix_tour_price", table_name="tour", postgresql_where="is_published")
    op.drop_index("ix_tour_created", table_name="tour", postgresql_where="is_published")
    op.drop_index("ix_tour_country_price", table_name="tour", postgresql_where="is_published")
    op.drop_index("ix_tour_city", table_name="tour", postgresql_where="is_published")
    op.drop_table("tour")

"""Tables every service has: outbox, inbox, timers, API keys and the hash-chained audit log."""

from __future__ import annotations

import sqlalchemy as sa
from sqlalchemy.dialects import postgresql as pg

metadata = sa.MetaData()

outbox = sa.Table(
    "outbox",
    metadata,
    sa.Column("id", sa.BigInteger, sa.Identity(), primary_key=True),
    sa.Column("event_id", sa.Text, nullable=False, unique=True),
    sa.Column("routing_key", sa.Text, nullable=False),
    sa.Column("body", sa.LargeBinary, nullable=False),
    sa.Column("traceparent", sa.Text),
    sa.Column("created_at", sa.DateTime(timezone=True), nullable=False, server_default=sa.func.now()),
    sa.Column("available_at", sa.DateTime(timezone=True), nullable=False, server_default=sa.func.now()),
    sa.Column("attempts", sa.Integer, nullable=False, server_default="0"),
    sa.Column("sent_at", sa.DateTime(timezone=True)),
    sa.Column("last_error", sa.Text),
    sa.Index("outbox_unsent", "available_at", postgresql_where=sa.text("sent_at IS NULL")),
)

inbox = sa.Table(
    "inbox",
    metadata,
    sa.Column("consumer", sa.Text, primary_key=True),
    sa.Column("event_id", sa.Text, primary_key=True),
    sa.Column("event_type", sa.Text, nullable=False),
    sa.Column("processed_at", sa.DateTime(timezone=True), nullable=False, server_default=sa.func.now()),
)

timers = sa.Table(
    "timers",
    metadata,
    sa.Column("id", pg.UUID(as_uuid=False), primary_key=True),
    sa.Column("kind", sa.Text, nullable=False),
    sa.Column("subject", sa.Text, nullable=False),
    sa.Column("due_at", sa.DateTime(timezone=True), nullable=False),
    sa.Column("payload", pg.JSONB, nullable=False, server_default="{}"),
    sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
    sa.Column("completed_at", sa.DateTime(timezone=True)),
    sa.Column("cancelled_at", sa.DateTime(timezone=True)),
    sa.Column("fired_at", sa.DateTime(timezone=True)),
    sa.Column("traceparent", sa.Text, comment="trace of the transaction that set the deadline"),
    sa.Index(
        "timers_open_due",
        "due_at",
        postgresql_where=sa.text("fired_at IS NULL AND completed_at IS NULL AND cancelled_at IS NULL"),
    ),
    sa.Index("timers_subject", "subject", "kind"),
    sa.Index("timers_unfinished_due", "due_at", postgresql_include=["kind"],
             postgresql_where=sa.text("completed_at IS NULL AND cancelled_at IS NULL")),
    sa.Index("timers_started", "kind", "created_at"),
)

api_keys = sa.Table(
    "api_keys",
    metadata,
    sa.Column("id", sa.Text, primary_key=True, comment="public key id, the prefix of the key"),
    sa.Column("client", sa.Text, nullable=False, comment="channel or partner name"),
    sa.Column("kind", sa.Text, nullable=False, comment="channel or partner"),
    sa.Column("secret_sha256", sa.Text, nullable=False),
    sa.Column("scopes", pg.ARRAY(sa.Text), nullable=False, server_default="{}"),
    sa.Column("created_at", sa.DateTime(timezone=True), nullable=False, server_default=sa.func.now()),
    sa.Column("expires_at", sa.DateTime(timezone=True)),
    sa.Column("revoked_at", sa.DateTime(timezone=True)),
)

audit_log = sa.Table(
    "audit_log",
    metadata,
    sa.Column("seq", sa.BigInteger, sa.Identity(), primary_key=True),
    sa.Column("at", sa.DateTime(timezone=True), nullable=False),
    sa.Column("actor", sa.Text, nullable=False),
    sa.Column("role", sa.Text, nullable=False),
    sa.Column("action", sa.Text, nullable=False),
    sa.Column("subject", sa.Text, nullable=False),
    sa.Column("reason", sa.Text, nullable=False, server_default=""),
    sa.Column("prev_hash", sa.Text, nullable=False),
    sa.Column("hash", sa.Text, nullable=False),
)

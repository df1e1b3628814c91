"""`Idempotency-Key`: a retried request replays the first response instead of running again.

The key is claimed first, in a short transaction of its own (state `in_progress`, with a lock that
expires so that a crashed attempt can be retried). The operation then stores its response in the
same transaction as its own writes (`complete`), so a booking and the answer that describes it are
committed together or not at all. Refusals the operation itself produced (409 `sold_out`, 402...)
are stored too; an attempt that ends in a 5xx, a crash or a 404/422 releases the key.
"""

import datetime as dt
import hashlib
import uuid
from dataclasses import dataclass, field

from sqlalchemy import CheckConstraint, ForeignKey, Index, LargeBinary, String, and_, delete, or_, select, update
from sqlalchemy.dialects.postgresql import insert
from sqlalchemy.orm import Mapped, mapped_column

from shared.core.errors import ConflictError, ValidationError
from shared.core.orm import Base, created_at, utcnow
from shared.core.uow import UnitOfWork

LOCK_SECONDS = 30  # longer than a function's timeout: a live attempt is never taken over
KEEP_HOURS = 24
STORED_STATUSES = frozenset({200, 201, 204, 402, 409})


class IdempotencyRecord(Base):
    """One `Idempotency-Key` of one user: claimed, then completed with the response to replay."""

    __tablename__ = "idempotency_record"
    __table_args__ = (
        CheckConstraint("state IN ('in_progress', 'done')", name="state"),
        Index(None, "expires_at"),
    )

    user_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("user_account.id", ondelete="CASCADE"), primary_key=True)
    key: Mapped[str] = mapped_column(String(255), primary_key=True)
    fingerprint: Mapped[str] = mapped_column(String(64))
    state: Mapped[str] = mapped_column(String(16))
    locked_until: Mapped[dt.datetime]
    response_status: Mapped[int | None]
    response_body: Mapped[bytes | None] = mapped_column(LargeBinary)
    created_at: Mapped[dt.datetime] = created_at()
    expires_at: Mapped[dt.datetime]


class IdempotencyInProgressError(ConflictError):
    code, title = "idempotency_in_progress", "A request with this key is still running"


@dataclass(frozen=True)
class Replay:
    status: int
    body: bytes


@dataclass
class Claim:
    """A key this request holds: the operation completes it in its own transaction."""

    user_id: uuid.UUID
    key: str
    fingerprint: str
    completed: bool = field(default=False)


def fingerprint(*parts: str | bytes) -> str:
    digest = hashlib.sha256()
    for part in parts:
        digest.update(part.encode() if isinstance(part, str) else part)
        digest.update(b"\0")
    return digest.hexdigest()


def check_key(key: str) -> str:
    if not 1 <= len(key) <= 255 or not key.isprintable():
        raise ValidationError([{"loc": ["header", "Idempotency-Key"], "msg": "1 to 255 printable characters",
                                "type": "idempotency_key"}])
    return key


async def claim(uow: UnitOfWork, *, user_id: uuid.UUID, key: str, fingerprint: str) -> Claim | Replay:
    """Take the key, or learn that its first response should be replayed (409/422 otherwise).

    The claim is a transaction of its own on the request's session: it commits before the operation
    starts (which then runs in a new one), and the request needs no second connection for it.
    """
    now = utcnow()
    values = {
        "user_id": user_id, "key": key, "fingerprint": fingerprint, "state": "in_progress",
        "locked_until": now + dt.timedelta(seconds=LOCK_SECONDS), "response_status": None,
        "response_body": None, "created_at": now, "expires_at": now + dt.timedelta(hours=KEEP_HOURS),
    }
    record = IdempotencyRecord.__table__.c
    proposed = insert(IdempotencyRecord).values(values)
    takeover = or_(
        record.expires_at < now,  # an old record: the key is new again
        and_(record.state == "in_progress", record.locked_until < now, record.fingerprint == fingerprint),
    )
    statement = proposed.on_conflict_do_update(
        index_elements=["user_id", "key"], set_={name: proposed.excluded[name] for name in values}, where=takeover
    ).returning(record.key)
    claimed = await uow.session.scalar(statement)
    await uow.commit()
    if claimed is not None:
        return Claim(user_id, key, fingerprint)
    existing = await uow.session.scalar(
        select(IdempotencyRecord).where(IdempotencyRecord.user_id == user_id, IdempotencyRecord.key == key)
    )
    if existing is None:  # expired and removed between the two statements: rare enough to ask for a retry
        raise IdempotencyInProgressError("Retry the request")
    if existing.fingerprint != fingerprint:
        raise IdempotencyKeyReusedError("This Idempotency-Key was used with another request")
    if existing.state == "done" and existing.response_status is not None:
        return Replay(existing.response_status, existing.response_body or b"")
    raise IdempotencyInProgressError("The first request with this key has not finished yet")


async def complete(uow: UnitOfWork, held: Claim | None, *, status: int, body: bytes) -> None:
    """Store the response in the caller's transaction (call it right before the commit)."""
    if held is None:
        return
    await uow.session.execute(
        update(IdempotencyRecord)
        .where(IdempotencyRecord.user_id == held.user_id, IdempotencyRecord.key == held.key)
        .values(state="done", response_status=status, response_body=body)
    )

    async def mark_completed() -> None:
        held.completed = True

    uow.after_commit(mark_completed)


async def finish(held: Claim, *, status: int, body: bytes) -> None:
    """After the operation: store a refusal it produced, or release the key for anything else."""
    if held.completed:
        return
    async with UnitOfWork() as uow:
        if status in STORED_STATUSES:
            await complete(uow, held, status=status, body=body)
        else:
            await uow.session.execute(
                delete(IdempotencyRecord).where(
                    IdempotencyRecord.user_id == held.user_id, IdempotencyRecord.key == held.key,
                    IdempotencyRecord.state == "in_progress",
                )
            )
        await uow.commit()
    held.completed = True


class IdempotencyKeyReusedError(ValidationError):
    code = "idempotency_key_reused"

    def __init__(self, detail: str) -> None:
        super().__init__([{"loc": ["header", "Idempotency-Key"], "msg": detail, "type": "idempotency_key_reused"}],
                         detail)

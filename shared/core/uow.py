"""The unit of work: one session per request; services commit, anything else rolls back."""
from __future__ import annotations

import logging
from collections.abc import Awaitable, Callable
from types import TracebackType
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from sqlalchemy import Executable, Row
    from sqlalchemy.ext.asyncio import AsyncSession

    from shared.core.outbox import OutboxEvent

AfterCommit = Callable[[], Awaitable[None]]
logger = logging.getLogger("tourbook.uow")


class UnitOfWork:
    """`reads_alone=True`: until `commit_alone`, each statement is a transaction of its own (autocommit), so the
    reads before a write that is one statement cost no BEGIN and COMMIT; from `commit_alone` on, as usual.
    Only for requests whose one write is `commit_alone`'s statement: nothing may be added to the session before."""

    def __init__(self, *, reads_alone: bool = False) -> None:
        self._session: AsyncSession | None = None
        self._after_commit: list[AfterCommit] = []
        self.recorded_events: list[OutboxEvent] = []  # outbox events of the current transaction (shared.core.outbox)
        self._reads_alone = reads_alone

    @property
    def session(self) -> AsyncSession:
        if self._session is None:
            from shared.core import db

            self._session = db.new_session(autocommit=self._reads_alone)
        return self._session

    def after_commit(self, hook: AfterCommit) -> None:
        """Run `hook` once the current transaction has committed (cache invalidation, events)."""
        self._after_commit.append(hook)

    async def commit(self) -> None:
        self._check_reads_alone()
        if self._session is not None:  # none yet: nothing to commit
            await self._session.commit()
        await self._run_hooks()

    def _check_reads_alone(self) -> None:
        session = self._session
        if self._reads_alone and session is not None and (session.new or session.dirty or session.deleted):
            raise RuntimeError("a unit of work that reads alone writes only with commit_alone")

    async def _run_hooks(self) -> None:
        hooks, self._after_commit = self._after_commit, []
        for hook in hooks:
            await hook()

    async def commit_alone(self, statement: Executable, params: dict[str, Any], *,
                           then: Callable[[Row[Any]], None] | None = None) -> Row[Any] | None:
        """Commit what is pending, then run `statement` as a transaction of its own and return its first row.

        The statement commits as it runs (autocommit), so the row locks it takes last while PostgreSQL runs
        it, not across round trips to this process: for writes to a hot row. `then` registers the after-commit
        hooks that need its row (called only when there is one); they run once it has committed.
        """
        from shared.core import db

        reads_alone = self._reads_alone and not db.is_bound()
        if reads_alone:  # the reads' connection commits each statement as it runs: the statement goes on it too
            self._check_reads_alone()
            await self._run_hooks()  # its reads have nothing to commit: the connection stays checked out
            connection = await self.session.connection()
            row = (await connection.execute(statement, params)).first()
        else:
            await self.commit()
            if db.is_bound():  # tests: one outer transaction, so a savepoint like every other write
                row = (await self.session.execute(statement, params)).first()
            else:
                connection = await self.session.connection(execution_options={"isolation_level": "AUTOCOMMIT"})
                row = (await connection.execute(statement, params)).first()
        if row is not None and then is not None:
            then(row)
        if self._reads_alone and self._session is not None:  # what follows (the hooks too) runs in transactions
            self._reads_alone = False
            session, self._session = self._session, None
            await session.close()
        await self.commit()
        return row

    async def rollback(self) -> None:
        self._after_commit.clear()
        self.recorded_events.clear()
        if self._session is not None:
            await self._session.rollback()

    async def close(self) -> None:
        """Give the connection back; one that fails on the way (dropped during the rollback, or left mid-operation
        by the driver when the server went away) is discarded instead of pooled, and never fails the request,
        whose answer is already decided."""
        if self._session is not None:
            session, self._session = self._session, None
            self._after_commit.clear()
            self.recorded_events.clear()
            try:
                await session.close()
            except Exception as exc:
                logger.warning("a connection failed while closing and was discarded: %s", exc.__class__.__name__)
                try:
                    await session.invalidate()
                except Exception:  # already as broken as it gets: nothing to give back
                    pass

    async def __aenter__(self) -> UnitOfWork:
        return self

    async def __aexit__(
        self, exc_type: type[BaseException] | None, exc: BaseException | None, tb: TracebackType | None
    ) -> None:
        await self.close()

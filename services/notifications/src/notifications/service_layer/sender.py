"""The sender: takes recorded messages that are due and hands them to the channel, outside any
transaction, then records what happened.

Taking a message raises its attempt count and holds it for a lease (FOR UPDATE SKIP LOCKED, so
senders never take the same one). If the process dies after the provider accepted a message but
before that was recorded, the lease runs out and the message is taken again with attempts > 1:
the sender first asks the provider whether it already has it (Notify, by our reference) and
records that instead of sending again.
"""

from __future__ import annotations

import asyncio
import functools
from collections.abc import Awaitable, Callable, Sequence
from datetime import timedelta
from typing import Any

import structlog

from frontdoor_shared.errors_classify import is_transient
from frontdoor_shared.runtime import Runtime
from notifications.adapters.channels.base import (
    Channel,
    ChannelResult,
    OutgoingMessage,
    PermanentFailure,
    TemporaryFailure,
)
from notifications.adapters.repository import MessageRepository
from notifications.service_layer import outcomes
from notifications.service_layer.context import Context
from notifications.service_layer.loops import repeat

log = structlog.get_logger()
PARALLEL_SENDS = 8  # within the database pool; providers' rate limits are far above this
# Messages handed over by batches and not yet sent, at most: each is held in memory, contents
# opened, until it is sent. Batches record faster than a slow provider takes them (GOV.UK Notify
# allows 3,000 a minute), so without a bound a backlog would hold every message in memory. At the
# bound the consumer is held back before its next batch (`room`) until hand-overs finish, at most
# HANDOVER_WAIT_SECONDS; if the sender is still full then (a provider timing out), the batch's
# messages wait in the database, pending, for a round to claim them in turn (a claim and a
# decryption more each: 7% of the benchmark's throughput when every batch past the bound did so).
# 1,000 rather than 2,000: at N = 50,000 (bench/README.md, session 13) peak RSS 182 against 189 MB
# at the same throughput (540 against 536 concerns/s), and half as many opened contacts in memory.
HANDED_MAX = 1000
HANDOVER_WAIT_SECONDS = 5.0
# what to record about one message: the outcome's function, the message row, what the channel said
Outcome = tuple[Callable[..., Awaitable[None]], Any, Any]


def outgoing(row: Any) -> OutgoingMessage:
    return OutgoingMessage(id=row.id, kind=row.channel, to=row.to_address.partition(":")[2],
                           subject=row.subject, body=row.body)


class Sender:
    def __init__(self, runtime: Runtime, channel: Channel, ctx: Context) -> None:
        self._runtime, self._channel, self._ctx = runtime, channel, ctx
        self._wake = asyncio.Event()
        self._parallel = asyncio.Semaphore(PARALLEL_SENDS)
        self._handed: set[asyncio.Future[None]] = set()
        self._handing = asyncio.Lock()
        self.handed_messages = 0  # handed over, not yet sent
        self._room = asyncio.Event()  # set while below HANDED_MAX
        self._room.set()

    def wake(self) -> None:
        self._wake.set()

    async def run(self, stop: asyncio.Event) -> None:
        try:
            await repeat("sender", self.send_due_once, stop, self._wake, self._ctx.settings.send_poll_seconds)
        finally:  # messages handed over finish (or their leases bring them back after a restart)
            if self._handed:
                await asyncio.wait(set(self._handed), timeout=10)

    async def send_due_once(self) -> int:
        s, now = self._ctx.settings, self._ctx.clock()
        async with self._runtime.engine.begin() as conn:
            rows = await MessageRepository(conn, self._ctx.keyring).claim_due(
                now, now + timedelta(seconds=s.send_lease_seconds), s.send_batch)
        await self._send(rows)
        return len(rows)

    def can_take(self) -> bool:
        """Whether a batch may hand its messages over (`hand_over`) rather than leave them pending."""
        return self.handed_messages < HANDED_MAX

    async def room(self) -> None:
        """Backpressure, awaited before each consumed batch: while the sender holds its most,
        wait (holding no connection or lock) until hand-overs finish, so the batch's messages are
        handed over rather than left for the slower claim rounds; give up after
        HANDOVER_WAIT_SECONDS (a provider that times out), well inside the group's poll interval."""
        if self.can_take():
            return
        try:
            await asyncio.wait_for(self._room.wait(), HANDOVER_WAIT_SECONDS)
        except TimeoutError:
            log.info("sender.still_full", handed=self.handed_messages)

    def hand_over(self, rows: list[Any]) -> None:
        """Send messages recorded as already taken by this sender (`handle_statuses(lease=True)`),
        now that the batch that recorded them has committed: no claim round, no wait for one."""
        if rows:
            self.handed_messages += len(rows)
            if not self.can_take():
                self._room.clear()
            task = asyncio.ensure_future(self._send_taken(rows))
            self._handed.add(task)
            task.add_done_callback(functools.partial(self._sent_over, len(rows)))

    def _sent_over(self, count: int, task: asyncio.Future[None]) -> None:
        self._handed.discard(task)
        self.handed_messages -= count
        if self.can_take():
            self._room.set()

    async def _send_taken(self, rows: list[Any]) -> None:
        try:
            async with self._handing:  # one hand-over at a time, in order: bounded connections under a backlog
                await self._send(rows)
        except Exception as err:  # logged; their leases run out and a round takes them again
            if not is_transient(err):
                log.exception("sender.hand_over_failed", messages=len(rows))
            else:
                log.warning("sender.hand_over_retry_later", messages=len(rows), error=type(err).__name__)

    async def _send(self, rows: Sequence[Any]) -> None:
        # group commit: whatever has come back while the last group was being recorded is recorded
        # together, so a round costs a few transactions, not one per message, and a provider's
        # receipt seldom arrives before the send it confirms is on record
        pending = {asyncio.ensure_future(self._deliver_bounded(row)) for row in rows}
        while pending:
            done, pending = await asyncio.wait(pending, return_when=asyncio.FIRST_COMPLETED)
            await self._record([task.result() for task in done])

    async def _deliver_bounded(self, row: Any) -> Outcome:
        async with self._parallel:
            return await self._deliver(row)

    async def _deliver(self, row: Any) -> Outcome:
        try:
            result = await self._attempt(row)
        except TemporaryFailure as err:
            return outcomes.record_temporary, row, str(err)
        except PermanentFailure as err:
            return outcomes.fail, row, str(err)
        except Exception as err:  # a bug in a channel: logged, retried, then raised to staff
            log.exception("message.send_error", message_id=str(row.id))
            return outcomes.record_temporary, row, f"unexpected {type(err).__name__}"
        return outcomes.record_sent, row, result

    async def _attempt(self, row: Any) -> ChannelResult:
        if row.attempts > 1:  # an earlier attempt may have reached the provider
            found = await self._channel.find(row.id)
            if found is not None:
                log.info("message.reconciled", message_id=str(row.id))
                return found
        return await self._channel.send(outgoing(row))

    async def _record(self, done: list[Outcome]) -> None:
        """Record what happened to a round's messages in one transaction (their events with them).
        If it fails, each lease runs out and the message is taken again, reconciled first."""
        async with self._runtime.uow() as uow:
            await outcomes.record_sent_many(uow, self._ctx, [(row, outcome) for action, row, outcome in done
                                                             if action is outcomes.record_sent])
            for action, row, outcome in done:
                if action is not outcomes.record_sent:
                    await action(uow, self._ctx, row, outcome)
            await uow.commit()
        if any(action is not outcomes.record_sent for action, _, _ in done):
            self.wake()  # a failure may have queued a fallback and a message to staff
        # (a round of sends alone queues nothing: waking the loop for it was an empty claim, a
        # transaction, after every hand-over: most of the sender's rounds at a light load)

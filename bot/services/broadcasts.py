"""Broadcasts (an admin's message to many) and announcements (a leader's to their guild).

A broadcast is a draft until its admin presses Send (a conditional step: a second press, or a
replayed one, finds it sent already). One broadcast sends at a time: Send fans the message out
into the outbox at once when none is sending, else the broadcast waits, queued, and the one
before it starts it when it is done. The dispatcher sends the rows on its bulk lane, at the cap,
behind whatever the people acting are answered; after each batch it calls `progress`, which
edits the admin's one progress message (every few seconds at most) and, when no row is left,
gives the final counts and starts the next broadcast.
"""

from __future__ import annotations

import asyncio
import json
from collections.abc import Awaitable, Callable

from bot.domain.broadcasts import AudienceRef, Content, check_content
from bot.domain.errors import BroadcastDecided, NoAnnouncementText, NoRecipients, StaleButton
from bot.domain.statuses import BroadcastStatus
from bot.i18n import texts_for
from bot.outcomes import BroadcastState
from bot.services.base import Deps, Service
from bot.services.guilds import GuildService
from bot.services.skills import SkillService
from bot.views import broadcasts as views
from storage import Tx
from storage import broadcasts as repo
from storage import guilds as guilds_repo
from storage import users as users_repo
from storage.broadcasts import Progress
from storage.models import BroadcastRecord

# Edit a message the bot sent: (chat id, message id, HTML text).
Editor = Callable[[int, int, str], Awaitable[object]]
PROGRESS_SECONDS = 3  # the progress message is edited this often at most
ANNOUNCE_ROOM = 3_800  # of a message's 4096: the rest is the announcement's heading


class BroadcastService(Service):
    def __init__(self, deps: Deps, guilds: GuildService, skills: SkillService,
                 edit: Editor) -> None:
        super().__init__(deps)
        self._guilds, self._skills, self._edit = guilds, skills, edit
        self._edited_at: dict[int, int] = {}  # broadcast id → when its progress was shown
        self._shown: dict[int, str] = {}  # broadcast id → the text its message shows
        self._lock = asyncio.Lock()

    async def draft(self, admin_id: int, audience: AudienceRef, content: Content
                    ) -> BroadcastState:
        """A broadcast ready to send, with its recipients counted now; refused when it would
        reach nobody or Telegram would not take it."""
        self._require_admin(admin_id)
        check_content(content)
        ref = await self._ref(audience)
        recipients = await repo.count_audience(self._db, audience.kind, ref)
        if recipients == 0:
            raise NoRecipients()
        async with self._db.transaction() as tx:
            broadcast_id = await repo.add_draft(
                tx, admin_id=admin_id, audience=audience.kind, ref=ref, method=content.method,
                payload=json.dumps(content.payload(), ensure_ascii=False),
                recipients=recipients, now=self._now())
        return BroadcastState(broadcast_id, audience.kind, ref, BroadcastStatus.DRAFT,
                              recipients)

    async def _ref(self, audience: AudienceRef) -> str | None:
        """The guild's id or the skill's name, as stored; an unknown one is refused."""
        if audience.kind == "guild":
            assert audience.ref is not None
            return str((await self._guilds.find(audience.ref)).id)
        if audience.kind == "skill":
            return (await self._skills.find(self._db, str(audience.ref))).name
        return None

    async def send(self, admin_id: int, broadcast_id: int, message_id: int) -> BroadcastState:
        """Send: the draft fans out now, or waits behind the broadcast sending. `message_id`
        (the preview's, in the admin's chat) becomes its progress message."""
        self._require_admin(admin_id)
        async with self._lock:  # its first showing never lands after `progress`'s last
            return await self._send(admin_id, broadcast_id, message_id)

    async def _send(self, admin_id: int, broadcast_id: int, message_id: int
                    ) -> BroadcastState:
        async with self._db.transaction() as tx:
            broadcast = await self._own(tx, admin_id, broadcast_id)
            ahead = await repo.first_open(tx)
            status = BroadcastStatus.QUEUED if ahead else BroadcastStatus.SENDING
            if not await repo.move(tx, broadcast.id, BroadcastStatus.DRAFT, status,
                                   self._now(), progress_message_id=message_id):
                raise BroadcastDecided(id=broadcast.id, state=views.STATES[broadcast.status])
            recipients = broadcast.recipients
            if ahead is None:
                recipients = await repo.fan_out(tx, broadcast, self._now())
                tx.after_commit(self._notifier.wake)
            await self._audit(tx, admin_id, "broadcast.send", ("broadcast", broadcast.id),
                              _detail(broadcast, recipients))
        self._edited_at[broadcast.id] = self._now()
        state = BroadcastState(broadcast.id, broadcast.audience, broadcast.audience_ref, status,
                               recipients, left=recipients,
                               waiting_for=ahead.id if ahead else None)
        await self._show(broadcast.admin_id, message_id, state)
        return state

    async def cancel(self, admin_id: int, broadcast_id: int) -> BroadcastState:
        """Cancel a draft: nothing is sent."""
        self._require_admin(admin_id)
        async with self._db.transaction() as tx:
            broadcast = await self._own(tx, admin_id, broadcast_id)
            if not await repo.move(tx, broadcast.id, BroadcastStatus.DRAFT,
                                   BroadcastStatus.CANCELLED, self._now()):
                raise BroadcastDecided(id=broadcast.id, state=views.STATES[broadcast.status])
            await self._audit(tx, admin_id, "broadcast.cancel", ("broadcast", broadcast.id),
                              _detail(broadcast, broadcast.recipients))
        return BroadcastState(broadcast.id, broadcast.audience, broadcast.audience_ref,
                              BroadcastStatus.CANCELLED, broadcast.recipients)

    async def _own(self, tx: Tx, admin_id: int, broadcast_id: int) -> BroadcastRecord:
        broadcast = await repo.get(tx, broadcast_id)
        if broadcast is None or broadcast.admin_id != admin_id:
            raise StaleButton()  # another admin's draft, or forged data
        return broadcast

    # --- as it goes (the dispatcher calls this after each batch) ------------------------------

    async def progress(self) -> int:
        """Show the sending broadcast's progress (every PROGRESS_SECONDS at most); when none
        of its rows is left, its final counts, and start the next one. How many rows that
        queued (so the dispatcher goes on)."""
        async with self._lock:
            current = await repo.first_open(self._db)
            if current is None:
                return 0
            if current.status == BroadcastStatus.QUEUED:  # the one before ended, unstarted
                return await self._start(current)
            due = self._now() - self._edited_at.get(current.id, 0) >= PROGRESS_SECONDS
            if not due and await repo.any_left(self._db, current.id):
                return 0  # one index seek per batch; counting 220,000 rows waits its turn
            counts = await repo.progress(self._db, current.id)
            if counts.left:
                self._edited_at[current.id] = self._now()
                await self._progress(current, BroadcastStatus.SENDING, counts)
                return 0
            async with self._db.transaction() as tx:
                finished = await repo.finish(tx, current.id, counts, self._now())
            if not finished:
                return 0
            self._edited_at.pop(current.id, None)
            await self._progress(current, BroadcastStatus.DONE, counts)
            self._shown.pop(current.id, None)
            following = await repo.first_open(self._db)
            return await self._start(following) if following is not None else 0

    async def _start(self, broadcast: BroadcastRecord) -> int:
        async with self._db.transaction() as tx:
            if not await repo.move(tx, broadcast.id, BroadcastStatus.QUEUED,
                                   BroadcastStatus.SENDING, self._now()):
                return 0
            queued = await repo.fan_out(tx, broadcast, self._now())
        self._edited_at[broadcast.id] = self._now()
        await self._progress(broadcast, BroadcastStatus.SENDING, Progress(left=queued))
        return max(queued, 1)

    async def _progress(self, broadcast: BroadcastRecord, status: str, counts: Progress
                        ) -> None:
        if broadcast.progress_message_id is not None:
            await self._show(broadcast.admin_id, broadcast.progress_message_id, BroadcastState(
                broadcast.id, broadcast.audience, broadcast.audience_ref, status, counts.total,
                counts.sent, counts.failed, counts.left))

    async def _show(self, admin_id: int, message_id: int, state: BroadcastState) -> None:
        """Edit the progress message, in its admin's language (not again with the same
        text: Telegram refuses an edit that changes nothing)."""
        record = await users_repo.get(self._db, admin_id)
        text = views.progress(texts_for(record.lang if record else None), state)
        if self._shown.get(state.id) != text:
            self._shown[state.id] = text
            await self._edit(admin_id, message_id, text)

    # --- a leader's announcement ----------------------------------------------------------------

    async def announce(self, chat_id: int, leader_id: int, text: str, message_id: int) -> int:
        """The guild's leader tells every other member by DM; how many it was queued for."""
        async with self._db.transaction() as tx:
            guild = await self._guilds.leader_guild(chat_id, leader_id, db=tx)
            if not text.strip():
                raise NoAnnouncementText()
            check_content(Content("text", text), limit=ANNOUNCE_ROOM)
            members = [m.user for m in await guilds_repo.active_members(tx, guild.id)
                       if m.user.id != leader_id and m.user.can_message]
            if not members:
                raise NoRecipients()
            leader = await users_repo.get(tx, leader_id)
            for user in members:
                await self._notifier.message(
                    tx, user.id, views.announcement(texts_for(user.lang), guild.name,
                                                    leader, text),
                    user_id=user.id, dedupe_key=f"announce:{chat_id}:{message_id}:{user.id}")
            await self._audit(tx, leader_id, "guild.announce", ("guild", guild.id),
                              f"{len(members)} members")
        return len(members)


def _detail(broadcast: BroadcastRecord, recipients: int) -> str:
    """The audit trail's line: the audience and how many it reached."""
    audience = " ".join(p for p in (broadcast.audience, broadcast.audience_ref) if p)
    return f"{audience}: {recipients}"

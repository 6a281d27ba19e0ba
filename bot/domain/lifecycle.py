"""The lifecycles, written down once: state × event → state, and who may trigger each event.

Services apply these tables and nothing else moves a state: a change is one conditional write
from the event's source states (`UPDATE … WHERE id = ? AND status IN (sources)`), and an event
that finds another state is the lifecycle's named refusal, never a silent no-op.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable
from dataclasses import dataclass
from enum import StrEnum
from typing import Generic, TypeVar

from bot.domain.errors import DomainError, NotAllowed
from bot.domain.statuses import AssignmentStatus as A
from bot.domain.statuses import QuoteStatus as Q
from bot.domain.statuses import TaskStatus as T

S = TypeVar("S", bound=StrEnum)
E = TypeVar("E", bound=StrEnum)


class Actor(StrEnum):
    WORKER = "worker"  # the assignment's own worker
    LEADER = "leader"  # the guild's leader or a deputy
    ADMIN = "admin"  # a platform admin
    CLOCK = "clock"  # the minute sweep, or a rule that follows from another change


@dataclass(frozen=True, slots=True)
class Transition(Generic[S]):
    sources: tuple[S, ...]
    target: S
    actors: frozenset[Actor]


class Lifecycle(Generic[S, E]):
    """One lifecycle's table, and the refusal it raises for an event in the wrong state."""

    def __init__(self, name: str,
                 rows: Iterable[tuple[E, tuple[S, ...], S, tuple[Actor, ...]]]) -> None:
        self.name = name
        self.events: dict[E, Transition[S]] = {}
        for event, sources, target, actors in rows:
            if event in self.events:
                raise ValueError(f"{name}: {event} is defined twice")
            self.events[event] = Transition(sources, target, frozenset(actors))
        # The same table read the other way: (state, event) → state.
        self.table: dict[tuple[S, E], S] = {
            (source, event): t.target for event, t in self.events.items() for source in t.sources}

    def sources(self, event: E) -> tuple[S, ...]:
        return self.events[event].sources

    def target(self, event: E) -> S:
        return self.events[event].target

    def may(self, event: E, actor: Actor) -> bool:
        return actor in self.events[event].actors

    def apply(self, event: E, state: str, actor: Actor,
              refusal: Callable[[], DomainError]) -> S:
        """The state after `event`, or the refusal (wrong actor: NotAllowed)."""
        if not self.may(event, actor):
            raise NotAllowed()
        for (source, known), target in self.table.items():
            if known == event and source == state:
                return target
        raise refusal()


class AssignmentEvent(StrEnum):
    TAKE = "take"  # the worker accepts the offer
    DECLINE = "decline"
    LAPSE = "lapse"  # the offer window passed unanswered
    REWORK = "rework"  # the first result after a rejection starts the rework
    SUBMIT = "submit"
    PASS_PRECHECK = "pass_precheck"  # the guild's pre-check passes it on to the admins
    SEND_BACK = "send_back"  # the guild's pre-check returns it for rework
    ACCEPT = "accept"
    AUTO_ACCEPT = "auto_accept"  # nobody reviewed it within the task's review window
    REJECT = "reject"
    OVERDUE = "overdue"  # not submitted by the task's deadline
    CANCEL = "cancel"  # the task was cancelled
    WITHDRAW = "withdraw"  # its worker was banned from it: the units go back to the guild
    RETURN = "return"  # the worker skipped every item they held: the assignment goes back
    # A rework of some items or results not submitted by the deadline: what the review let
    # stand is accepted and paid, the rest goes back.
    SETTLE = "settle"
    CLOSE_TEST = "close_test"  # a qualification test, graded (the skill granted or not)


_NOT_SUBMITTED = (A.OFFERED, A.IN_PROGRESS, A.REJECTED)

ASSIGNMENT: Lifecycle[A, AssignmentEvent] = Lifecycle("assignment", [
    (AssignmentEvent.TAKE, (A.OFFERED,), A.IN_PROGRESS, (Actor.WORKER,)),
    (AssignmentEvent.DECLINE, (A.OFFERED,), A.DECLINED, (Actor.WORKER,)),
    (AssignmentEvent.LAPSE, (A.OFFERED,), A.EXPIRED, (Actor.CLOCK,)),
    (AssignmentEvent.RETURN, (A.IN_PROGRESS,), A.DECLINED, (Actor.WORKER,)),
    (AssignmentEvent.REWORK, (A.REJECTED,), A.IN_PROGRESS, (Actor.WORKER,)),
    (AssignmentEvent.SUBMIT, (A.IN_PROGRESS,), A.SUBMITTED, (Actor.WORKER,)),
    # The clock passes on a submission its guild left unchecked for the review window.
    (AssignmentEvent.PASS_PRECHECK, (A.SUBMITTED,), A.SUBMITTED, (Actor.LEADER, Actor.CLOCK)),
    (AssignmentEvent.SEND_BACK, (A.SUBMITTED,), A.REJECTED, (Actor.LEADER,)),
    (AssignmentEvent.ACCEPT, (A.SUBMITTED,), A.ACCEPTED, (Actor.ADMIN,)),
    (AssignmentEvent.AUTO_ACCEPT, (A.SUBMITTED,), A.ACCEPTED, (Actor.CLOCK,)),
    # The clock: a submission whose control answers fell below the task's threshold.
    (AssignmentEvent.REJECT, (A.SUBMITTED,), A.REJECTED, (Actor.ADMIN, Actor.CLOCK)),
    (AssignmentEvent.SETTLE, (A.REJECTED, A.IN_PROGRESS), A.ACCEPTED, (Actor.CLOCK,)),
    (AssignmentEvent.CLOSE_TEST, (A.SUBMITTED,), A.CANCELLED, (Actor.CLOCK,)),
    (AssignmentEvent.OVERDUE, _NOT_SUBMITTED, A.EXPIRED, (Actor.CLOCK,)),
    # Submitted work stays in review: it was done before the task was cancelled.
    (AssignmentEvent.CANCEL, _NOT_SUBMITTED, A.CANCELLED, (Actor.ADMIN,)),
    # A ban (by an admin, or automatic after a failed control) takes back open work in its
    # scope; submitted work stays in review.
    (AssignmentEvent.WITHDRAW, _NOT_SUBMITTED, A.CANCELLED, (Actor.ADMIN, Actor.CLOCK)),
])


class TaskEvent(StrEnum):
    ALLOCATE_ALL = "allocate_all"  # the last unit was awarded or claimed
    COMPLETE = "complete"  # every unit was accepted
    CANCEL = "cancel"
    EXPIRE = "expire"  # the deadline passed with units not accepted


TASK: Lifecycle[T, TaskEvent] = Lifecycle("task", [
    (TaskEvent.ALLOCATE_ALL, (T.OPEN,), T.ALLOCATED, (Actor.LEADER, Actor.ADMIN, Actor.CLOCK)),
    (TaskEvent.COMPLETE, (T.ALLOCATED,), T.COMPLETED, (Actor.ADMIN, Actor.CLOCK)),
    (TaskEvent.CANCEL, (T.OPEN, T.ALLOCATED), T.CANCELLED, (Actor.ADMIN,)),
    (TaskEvent.EXPIRE, (T.OPEN, T.ALLOCATED), T.EXPIRED, (Actor.CLOCK,)),
])


class QuoteEvent(StrEnum):
    AWARD = "award"
    REJECT = "reject"  # by an admin, or because every unit went elsewhere, or the task ended
    WITHDRAW = "withdraw"  # by the guild, or replaced by its newer quote
    EXPIRE = "expire"  # the quote window closed without an award


QUOTE: Lifecycle[Q, QuoteEvent] = Lifecycle("quote", [
    (QuoteEvent.AWARD, (Q.PENDING,), Q.AWARDED, (Actor.ADMIN, Actor.CLOCK)),
    (QuoteEvent.REJECT, (Q.PENDING,), Q.REJECTED, (Actor.ADMIN, Actor.CLOCK)),
    (QuoteEvent.WITHDRAW, (Q.PENDING,), Q.WITHDRAWN, (Actor.LEADER,)),
    (QuoteEvent.EXPIRE, (Q.PENDING,), Q.EXPIRED, (Actor.CLOCK,)),
])

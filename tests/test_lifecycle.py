"""The lifecycle tables: every event from its sources, nothing from elsewhere, only its actors;
and the stored states are exactly the domain's."""

from __future__ import annotations

import re
from importlib import resources

import pytest

from bot.domain.errors import DomainError, NotAllowed
from bot.domain.lifecycle import ASSIGNMENT, QUOTE, TASK, Actor, AssignmentEvent, Lifecycle
from bot.domain.statuses import AssignmentStatus, QuoteStatus, TaskStatus


class Refused(DomainError):
    pass


@pytest.mark.parametrize("lifecycle", [ASSIGNMENT, TASK, QUOTE], ids=lambda c: c.name)
def test_every_event_moves_from_its_sources_only_and_for_its_actors_only(
        lifecycle: Lifecycle) -> None:  # type: ignore[type-arg]
    states = {source for source, _event in lifecycle.table} | {
        t.target for t in lifecycle.events.values()}
    for event, transition in lifecycle.events.items():
        actor = next(iter(transition.actors))
        for state in states:
            if state in transition.sources:
                assert lifecycle.apply(event, state, actor, Refused) == transition.target
            else:
                with pytest.raises(Refused):
                    lifecycle.apply(event, state, actor, Refused)
        for other in set(Actor) - transition.actors:
            with pytest.raises(NotAllowed):
                lifecycle.apply(event, transition.sources[0], other, Refused)


def test_the_assignment_lifecycle_is_the_one_the_product_describes() -> None:
    e, a = AssignmentEvent, AssignmentStatus
    walk = [(e.TAKE, a.OFFERED, a.IN_PROGRESS), (e.SUBMIT, a.IN_PROGRESS, a.SUBMITTED),
            (e.REJECT, a.SUBMITTED, a.REJECTED), (e.REWORK, a.REJECTED, a.IN_PROGRESS),
            (e.ACCEPT, a.SUBMITTED, a.ACCEPTED), (e.DECLINE, a.OFFERED, a.DECLINED),
            (e.LAPSE, a.OFFERED, a.EXPIRED), (e.OVERDUE, a.IN_PROGRESS, a.EXPIRED),
            (e.RETURN, a.IN_PROGRESS, a.DECLINED), (e.SETTLE, a.REJECTED, a.ACCEPTED)]
    for event, source, target in walk:
        assert ASSIGNMENT.table[(source, event)] == target
    # Work already submitted is never cancelled or expired with its task: it stays in review.
    assert a.SUBMITTED not in ASSIGNMENT.sources(e.CANCEL)
    assert a.SUBMITTED not in ASSIGNMENT.sources(e.OVERDUE)
    # Only the worker answers an offer, only an admin or the clock accepts.
    assert ASSIGNMENT.events[e.TAKE].actors == {Actor.WORKER}
    assert ASSIGNMENT.events[e.ACCEPT].actors | ASSIGNMENT.events[e.AUTO_ACCEPT].actors == {
        Actor.ADMIN, Actor.CLOCK}
    # Only the clock pays for what stood of a part rework, only the worker gives items back.
    assert ASSIGNMENT.events[e.SETTLE].actors == {Actor.CLOCK}
    assert ASSIGNMENT.events[e.RETURN].actors == {Actor.WORKER}


def _checked(table: str) -> set[str]:
    """The states the newest migration that (re)creates `table` allows in its status CHECK."""
    allowed: set[str] = set()
    for entry in sorted(resources.files("storage.migrations").iterdir(), key=lambda e: e.name):
        sql = entry.read_text(encoding="utf-8") if entry.name.endswith(".sql") else ""
        for match in re.finditer(rf"CREATE TABLE {table}(?:_new)? \((.*?)\n\);", sql, re.S):
            check = re.search(r"status\s+TEXT.*?CHECK \(status IN \(([^)]*)\)", match[1], re.S)
            assert check, table
            allowed = set(re.findall(r"'(\w+)'", check[1]))
    return allowed


@pytest.mark.parametrize(("table", "enum"), [("assignments", AssignmentStatus),
                                             ("tasks", TaskStatus), ("quotes", QuoteStatus)])
def test_the_database_stores_exactly_the_domains_states(table: str, enum: type) -> None:
    assert _checked(table) == {str(s) for s in enum}

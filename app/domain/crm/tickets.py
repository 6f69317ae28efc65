"""The ticket workflow: open → in_progress → closed, closing needs a resolution and no open task.

A ticket in progress may go back to open (handed back to the queue), and a closed ticket may
be reopened into in_progress when the customer comes back on the same matter.
"""

from __future__ import annotations

from enum import StrEnum

from app.domain.crm.errors import IllegalTransition, OpenTasks
from app.domain.errors import InvalidInput


class TicketStatus(StrEnum):
    open = "open"
    in_progress = "in_progress"
    closed = "closed"


TRANSITIONS: dict[TicketStatus, frozenset[TicketStatus]] = {
    TicketStatus.open: frozenset({TicketStatus.in_progress}),
    TicketStatus.in_progress: frozenset({TicketStatus.open, TicketStatus.closed}),
    TicketStatus.closed: frozenset({TicketStatus.in_progress}),
}


def check_transition(
    current: TicketStatus, target: TicketStatus, *, resolution: str | None, open_tasks: int
) -> None:
    """Refuse a move the workflow does not allow (409), or a close without its resolution."""
    if target == current:
        return
    if target not in TRANSITIONS[current]:
        allowed = ", ".join(sorted(TRANSITIONS[current]))
        raise IllegalTransition(f"a ticket cannot go from {current} to {target}; from {current}: {allowed}")
    if target == TicketStatus.closed:
        if not resolution:
            raise InvalidInput.at("resolution", "is required to close a ticket")
        if open_tasks:
            raise OpenTasks(f"{open_tasks} task(s) of this ticket are still open; finish them first")

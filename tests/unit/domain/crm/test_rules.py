"""Mileage, ticket workflow and CSV cell rules, table-driven."""

from __future__ import annotations

import pytest

from app.domain.crm.csv_cells import escape_cell, unescape_cell
from app.domain.crm.errors import IllegalTransition, MileageWentBack, OpenTasks
from app.domain.crm.mileage import check_reading
from app.domain.crm.tickets import TicketStatus, check_transition
from app.domain.errors import InvalidInput

OPEN, PROG, DONE = TicketStatus.open, TicketStatus.in_progress, TicketStatus.closed


@pytest.mark.parametrize(
    ("previous", "reading", "correction", "ok"),
    [
        (None, 0, False, True),
        (1000, 1000, False, True),
        (1000, 1500, False, True),
        (1000, 999, False, False),
        (1000, 999, True, True),
    ],
)
def test_mileage_never_goes_back_unless_corrected(
    previous: int | None, reading: int, correction: bool, ok: bool
) -> None:
    if ok:
        check_reading(previous, reading, correction=correction)
    else:
        with pytest.raises(MileageWentBack):
            check_reading(previous, reading, correction=correction)


@pytest.mark.parametrize(
    ("current", "target", "allowed"),
    [
        (OPEN, PROG, True),
        (OPEN, DONE, False),
        (PROG, DONE, True),
        (PROG, OPEN, True),
        (DONE, PROG, True),
        (DONE, OPEN, False),
        (OPEN, OPEN, True),
    ],
)
def test_ticket_transitions(current: TicketStatus, target: TicketStatus, allowed: bool) -> None:
    if allowed:
        check_transition(current, target, resolution="done", open_tasks=0)
    else:
        with pytest.raises(IllegalTransition):
            check_transition(current, target, resolution="done", open_tasks=0)


def test_closing_needs_a_resolution_and_no_open_task() -> None:
    with pytest.raises(InvalidInput) as missing:
        check_transition(PROG, DONE, resolution=None, open_tasks=0)
    assert missing.value.errors[0].field == "resolution"
    with pytest.raises(OpenTasks):
        check_transition(PROG, DONE, resolution="fixed", open_tasks=1)


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ('=HYPERLINK("http://x")', '\'=HYPERLINK("http://x")'),
        ("+1", "'+1"),
        ("-2+3", "'-2+3"),
        ("@SUM(A1)", "'@SUM(A1)"),
        ("\tx", "'\tx"),
        ("\rx", "'\rx"),
        ("张三", "张三"),
        ("a=b", "a=b"),
        ("", ""),
    ],
)
def test_formula_cells_are_escaped(text: str, expected: str) -> None:
    assert escape_cell(text) == expected
    assert unescape_cell(escape_cell(text)) == text  # an export imports back as it was

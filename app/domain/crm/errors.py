"""Refusals of the customer-management rules, each with its own stable code."""

from __future__ import annotations

from app.domain.errors import Conflict, Forbidden


class ServiceNotAllowed(Conflict):
    """The member's tier does not include the service and no override was given."""

    code = "service_not_allowed"
    title = "Service not allowed by the tier"


class MileageWentBack(Conflict):
    """An odometer reading below the previous one that is not flagged as a correction."""

    code = "mileage_went_back"
    title = "Mileage below the previous reading"


class NotACompany(Conflict):
    """Contacts belong to company members only."""

    code = "not_a_company"
    title = "The member is not a company"


class IllegalTransition(Conflict):
    """A ticket status change its workflow does not allow."""

    code = "illegal_transition"
    title = "Illegal status transition"


class OpenTasks(Conflict):
    """A ticket cannot close while some of its tasks are still open."""

    code = "open_tasks"
    title = "The ticket still has open tasks"


class DuplicateUser(Conflict):
    """A user already has the email or rep code (`existing_id`, `field`)."""

    code = "duplicate_user"
    title = "User exists"


class RepNotAllowed(Forbidden):
    """A staff user's key assigning a member to another rep (it would lose sight of it)."""

    code = "rep_not_allowed"
    title = "Member of another sales rep"

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


class MemberErased(Conflict):
    """The member's personal data was erased on request: it cannot be merged, restored or changed."""

    code = "member_erased"
    title = "Member erased"


class MergeNotReversible(Conflict):
    """Something the merge moved has changed since (points spent or expired, a purchase refunded,
    a member deleted or merged again): undoing it would no longer give back what moved."""

    code = "merge_not_reversible"
    title = "Merge can no longer be undone"


class MergeWindowClosed(Conflict):
    """The merge is older than the undo window (`CRM_MERGE_UNDO_DAYS`)."""

    code = "merge_window_closed"
    title = "Undo window closed"


class MergeAlreadyUndone(Conflict):
    """The merge was undone already."""

    code = "merge_already_undone"
    title = "Merge already undone"


class MemberMerged(Conflict):
    """A duplicate merged into another member comes back only by undoing its merge."""

    code = "member_merged"
    title = "Member merged into another"

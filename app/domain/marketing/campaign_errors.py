"""Refusals of the campaign rules, each with its own stable code."""

from __future__ import annotations

from app.domain.errors import Conflict


class CampaignState(Conflict):
    """The campaign's status does not allow this (editing after draft, executing when closed)."""

    code = "campaign_state"
    title = "The campaign's status does not allow this"

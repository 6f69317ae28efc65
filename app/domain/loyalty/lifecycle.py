"""Moved to `app.domain.marketing.lifecycle` (member analysis); kept for existing imports."""

from app.domain.marketing.lifecycle import LifecycleStage, StageRule, lifecycle_stage

__all__ = ["LifecycleStage", "StageRule", "lifecycle_stage"]

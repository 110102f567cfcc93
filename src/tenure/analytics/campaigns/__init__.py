"""Campaign arithmetic without Django: the seeded control-group draw and the retention lift."""

from tenure.analytics.campaigns.assignment import control_group_mask, unit_interval_hash
from tenure.analytics.campaigns.lift import RetentionLift, retention_lift, wilson_interval

__all__ = [
    "RetentionLift",
    "control_group_mask",
    "retention_lift",
    "unit_interval_hash",
    "wilson_interval",
]

from portal.notifications.models.centre import Notification
from portal.notifications.models.channels import Channel
from portal.notifications.models.inbound import InboundWebhook, TaskTransition
from portal.notifications.models.ledger import (
    Delivery,
    DeliveryItem,
    ReminderState,
    before_due_minutes,
    before_due_step,
    is_before_due,
    is_escalation,
    step_label,
)
from portal.notifications.models.preferences import ChannelPreference
from portal.notifications.models.rules import OptOut, Rule
from portal.notifications.models.watch import Acknowledgement, ScanRun, SiteScan, WatchedTask

__all__ = [
    "Acknowledgement",
    "Channel",
    "ChannelPreference",
    "Delivery",
    "DeliveryItem",
    "InboundWebhook",
    "Notification",
    "OptOut",
    "ReminderState",
    "Rule",
    "ScanRun",
    "SiteScan",
    "TaskTransition",
    "WatchedTask",
    "before_due_minutes",
    "before_due_step",
    "is_before_due",
    "is_escalation",
    "step_label",
]

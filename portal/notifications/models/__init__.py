from portal.notifications.models.centre import Notification
from portal.notifications.models.channels import Channel
from portal.notifications.models.inbound import InboundWebhook, TaskTransition
from portal.notifications.models.ledger import Delivery, DeliveryItem, ReminderState, step_label
from portal.notifications.models.preferences import ChannelPreference
from portal.notifications.models.rules import OptOut, Rule
from portal.notifications.models.watch import ScanRun, SiteScan, WatchedTask

__all__ = [
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
    "step_label",
]

"""The portal's words for its four task statuses, which every site's own statuses map onto.
One table for the forms, the pages and the messages; the "task status" context keeps them apart
from the "Done" button and other words spelled alike."""

from django.utils.translation import pgettext_lazy

STATUS_LABELS = {
    "open": pgettext_lazy("task status", "Open"),
    "in_progress": pgettext_lazy("task status", "In progress"),
    "done": pgettext_lazy("task status", "Done"),
    "cancelled": pgettext_lazy("task status", "Cancelled"),
}


def status_label(status: str) -> str:
    """The status in the reader's language; an unknown value as it came."""
    label = STATUS_LABELS.get(status)
    return str(label) if label is not None else status

"""Lists people type into one field: ids, addresses, priorities."""

import re

# Commas, the Arabic comma "،" (what an Arabic keyboard types) or one entry per line.
_SEPARATORS = re.compile(r"[,،\n]")


def typed_list(text: str) -> list[str]:
    """The non-empty entries of ``text``, stripped, in order."""
    return [part.strip() for part in _SEPARATORS.split(text or "") if part.strip()]

"""Arabic date and number formats, completing Django's own (it has no DATETIME_FORMAT for Arabic,
so datetimes fell back to the English "N j, Y, P": "ديسمبر 1, 2026, 9:34 م")."""

from django.conf.locale.ar.formats import *  # noqa: F403 (Django's, then ours on top)

DATETIME_FORMAT = "j F Y، g:i A"
SHORT_DATETIME_FORMAT = "d‏/m‏/Y g:i A"
FIRST_DAY_OF_WEEK = 6  # Saturday
# Arabic pages write Western digits (why: portal/sites/reading.py), so the separators are the
# ones that go with them, as ar-AE and Gulf business software write them: "1,234.5". Django's
# own "," and "." would read 1.234 as one point two three four to those readers.
DECIMAL_SEPARATOR = "."
THOUSAND_SEPARATOR = ","
NUMBER_GROUPING = 3

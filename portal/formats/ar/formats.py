"""Arabic date and number formats, completing Django's own (it has no DATETIME_FORMAT for Arabic,
so datetimes fell back to the English "N j, Y, P": "ديسمبر 1, 2026, 9:34 م")."""

from django.conf.locale.ar.formats import *  # noqa: F403 (Django's, then ours on top)

DATETIME_FORMAT = "j F Y، g:i A"
SHORT_DATETIME_FORMAT = "d‏/m‏/Y g:i A"
FIRST_DAY_OF_WEEK = 6  # Saturday
# The Arabic decimal and thousands separators, as written with Arabic-Indic digits.
DECIMAL_SEPARATOR = "٫"
THOUSAND_SEPARATOR = "٬"
NUMBER_GROUPING = 3

"""CSV cells from sites never run as spreadsheet formulas; the portal's counts stay numbers."""

import csv
import io

import pytest

from portal.reports.services.csv_export import csv_cell, csv_write


@pytest.mark.parametrize("text", ["=1+1", "+1", "-1", "@A1", "\t=1", "\r=1", "-", "="])
def test_text_a_spreadsheet_would_run_gets_a_leading_quote(text):
    assert csv_cell(text) == "'" + text


@pytest.mark.parametrize("text", ["Call the bank", "اجتماع", "1-2", " =1", "", "'=1"])
def test_other_text_is_written_as_it_is(text):
    assert csv_cell(text) == text


@pytest.mark.parametrize("number", [-3, 0, 12, -2.5, None])
def test_numbers_the_portal_counted_stay_numbers(number):
    assert csv_cell(number) == number


def test_a_file_starts_with_a_byte_order_mark_and_quotes_header_and_rows():
    out = io.StringIO()
    csv_write(out, ["=Site", "Open"], [["+Riyadh", -1], ["Cairo", 4]])
    text = out.getvalue()
    assert text.startswith("\ufeff")
    assert list(csv.reader(io.StringIO(text[1:]))) == [
        ["'=Site", "Open"], ["'+Riyadh", "-1"], ["Cairo", "4"]
    ]  # fmt: skip

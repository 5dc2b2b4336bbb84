"""The recordings these unit tests consume, listed (issue 5: "the test lists them")."""

from __future__ import annotations

import json
import re
from pathlib import Path

import pytest

from .recordings import recordings_dir

CONSUMED = {
    # reads
    "006", "024", "026", "027", "028", "029", "030", "032", "033", "052", "053", "054", "060",
    "068", "180", "181", "189", "200", "202", "203", "204", "206", "208", "230", "231", "232",
    "233", "234", "236", "237", "238", "240", "241", "244", "249", "252",
    # writes
    "007", "009", "010", "011", "012", "013", "014", "015", "016", "017", "018", "019", "020",
    "021", "022", "023", "034", "037", "038", "039", "041", "042", "043", "046", "048", "049",
    "065", "066", "067", "069", "074", "075", "076", "077", "092", "129", "183", "193", "220",
    "221", "222", "223", "224", "225", "226", "235", "242", "243", "247", "248", "250", "251",
    # errors only
    "001", "002", "003", "031", "036", "044", "045", "050", "078", "080", "113", "122", "123",
    "124", "131", "140", "145", "149", "153", "154", "167", "168", "184", "185", "188", "205",
    "210", "245", "246",
    # OAuth and API keys
    "119", "126", "127", "134", "136", "137", "142", "148", "165", "166",
    # discovery and redirects
    "114", "115", "211",
}  # fmt: skip
HERE = Path(__file__).parent


def test_every_listed_recording_exists_and_parses():
    for number in sorted(CONSUMED):
        (path,) = recordings_dir().glob(f"{number}_*.json")
        assert {"request", "response"} <= set(json.loads(path.read_text()))


@pytest.mark.parametrize("number", sorted(CONSUMED))
def test_every_listed_recording_is_used_by_a_test(number):
    sources = "".join(
        p.read_text() for p in HERE.glob("test_*.py") if p.name != Path(__file__).name
    )
    assert re.search(rf'"{number}"', sources), f"recording {number} is listed but no test uses it"

"""The team-lead report renders its charts in English and in Arabic without script errors."""

import pytest

from tests.browser.conftest import log_in, portal_errors
from tests.integration.reports.conftest import report_site, report_standin  # noqa: F401
from tests.integration.reports.test_report_pages import lead  # noqa: F401 (fixture)
from tests.integration.reports.test_snapshots import history  # noqa: F401 (fixture)

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]
CHARTS = ("chart-trend", "chart-aging", "chart-workload")


def drawn(page, chart_id):
    return page.evaluate(
        """(id) => { const chart = Chart.getChart(document.getElementById(id));
                     return chart ? {points: chart.data.datasets.map(d => d.data.length),
                                     reversed: chart.options.indexAxis === 'y'
                                       ? chart.options.scales.x.reverse
                                       : chart.options.scales.x.reverse,
                                     rtl: chart.options.plugins.legend.rtl,
                                     ticks: chart.scales[chart.options.indexAxis === 'y'
                                       ? 'x' : 'y'].ticks.map(t => t.label)} : null; }""",
        chart_id,
    )


def test_the_report_draws_its_charts_in_english_and_arabic(page, live_server, lead, console_errors):  # noqa: F811
    user, site, handle, names = lead
    user.set_password("Leila-Pass-2026!")
    user.save()
    log_in(page, live_server, "leila", "Leila-Pass-2026!")
    page.goto(f"{live_server.url}/reports/?since=2026-11-17&until=2026-11-23")
    page.wait_for_function("typeof Chart !== 'undefined' && Chart.getChart('chart-trend')")
    for chart_id in CHARTS:
        english = drawn(page, chart_id)
        assert english and all(n > 0 for n in english["points"]), chart_id
        assert english["rtl"] is False and english["reversed"] is False
        assert any(any("0" <= ch <= "9" for ch in str(t)) for t in english["ticks"]), chart_id
    assert page.locator("h1").inner_text() == "Reports"

    page.get_by_role("button", name="العربية").click()
    page.wait_for_function("Chart.getChart('chart-aging') !== undefined")
    assert page.evaluate("getComputedStyle(document.body).direction") == "rtl"
    for chart_id in CHARTS:
        arabic = drawn(page, chart_id)
        assert arabic and arabic["rtl"] is True and arabic["reversed"] is True, chart_id
        labels = "".join(str(t) for t in arabic["ticks"])
        assert any("٠" <= ch <= "٩" for ch in labels) and not any("0" <= ch <= "9" for ch in labels)
    assert page.locator("h1").inner_text() == "التقارير"
    assert portal_errors(console_errors, live_server) == []

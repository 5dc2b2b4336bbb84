"""The team-lead report renders its charts in English and in Arabic without script errors."""

import pytest
from playwright.sync_api import expect

from tests.browser.conftest import log_in, portal_errors, switch_language
from tests.integration.reports.conftest import report_site, report_standin  # noqa: F401
from tests.integration.reports.test_report_pages import lead  # noqa: F401 (fixture)
from tests.integration.reports.test_snapshots import history  # noqa: F401 (fixture)

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]
CHARTS = ("chart-trend", "chart-aging", "chart-workload")


def drawn(page, chart_id):
    """What Chart.js drew on that canvas: read once charts_ready() has waited for them."""
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


def charts_ready(page, lang: str):
    """The page in that language is loaded and report.js has drawn and laid out every chart on
    it (each once, without animation, so what drawn() reads does not change after this)."""
    expect(page.locator("html")).to_have_attribute("lang", lang)
    page.wait_for_function(
        """(ids) => typeof Chart !== 'undefined' && ids.every(id => {
               const chart = Chart.getChart(document.getElementById(id));
               return chart !== undefined && chart.chartArea && chart.width > 0; })""",
        arg=list(CHARTS),
    )


def test_the_report_draws_its_charts_in_english_and_arabic(page, live_server, lead, console_errors):  # noqa: F811
    user, site, handle, names = lead
    user.set_password("Leila-Pass-2026!")
    user.save()
    log_in(page, live_server, "leila", "Leila-Pass-2026!")
    page.goto(f"{live_server.url}/reports/?since=2026-11-17&until=2026-11-23")
    charts_ready(page, "en")
    for chart_id in CHARTS:
        english = drawn(page, chart_id)
        assert english and all(n > 0 for n in english["points"]), chart_id
        assert english["rtl"] is False and english["reversed"] is False
        assert any(any("0" <= ch <= "9" for ch in str(t)) for t in english["ticks"]), chart_id
    expect(page.locator("h1")).to_have_text("Reports")

    switch_language(page, "العربية", "ar")
    charts_ready(page, "ar")
    expect(page.locator("body")).to_have_css("direction", "rtl")
    for chart_id in CHARTS:
        arabic = drawn(page, chart_id)
        assert arabic and arabic["rtl"] is True and arabic["reversed"] is True, chart_id
        labels = "".join(str(t) for t in arabic["ticks"])
        assert any("٠" <= ch <= "٩" for ch in labels) and not any("0" <= ch <= "9" for ch in labels)
    expect(page.locator("h1")).to_have_text("التقارير")
    assert portal_errors(console_errors, live_server) == []

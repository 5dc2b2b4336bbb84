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
        # Western digits, as on the rest of an Arabic page (portal/sites/reading.py)
        assert any("0" <= ch <= "9" for ch in labels) and not any("٠" <= ch <= "٩" for ch in labels)
    expect(page.locator("h1")).to_have_text("التقارير")
    assert portal_errors(console_errors, live_server) == []


def luminance(colour: str) -> float:
    """WCAG relative luminance of "#rrggbb" or "rgb(r, g, b)"."""
    colour = colour.strip()
    if colour.startswith("#"):
        channels = [int(colour[i : i + 2], 16) for i in (1, 3, 5)]
    else:
        channels = [int(part) for part in colour[colour.index("(") + 1 : -1].split(",")[:3]]
    linear = [c / 255 / 12.92 if c / 255 <= 0.03928 else ((c / 255 + 0.055) / 1.055) ** 2.4
              for c in channels]  # fmt: skip
    return 0.2126 * linear[0] + 0.7152 * linear[1] + 0.0722 * linear[2]


def contrast(one: str, other: str) -> float:
    high, low = sorted((luminance(one), luminance(other)), reverse=True)
    return (high + 0.05) / (low + 0.05)


def age_palette(page) -> dict:
    return page.evaluate(
        """() => { const style = getComputedStyle(document.querySelector('.charts'));
                   const v = (name) => style.getPropertyValue(name).trim();
                   return {fills: [v('--report-age-1'), v('--report-age-2'), v('--report-age-3')],
                           edge: v('--report-age-edge'),
                           page: getComputedStyle(document.body).backgroundColor}; }"""
    )


def readable(palette: dict, page: str) -> None:
    fills, edge = palette["fills"], palette["edge"]
    shades = [luminance(fill) for fill in fills]
    assert shades[0] > shades[1] > shades[2], palette  # darker with age
    assert all(contrast(a, b) >= 1.9 for a, b in zip(fills, fills[1:], strict=False)), palette
    for fill in fills:  # each band stands out from the page, by its fill or by its outline
        outlined = min(contrast(edge, page), contrast(edge, fill))
        assert max(contrast(fill, page), outlined) >= 3, (fill, palette)


def test_overdue_by_age_darkens_with_age_and_reads_in_both_themes(page, live_server, lead):  # noqa: F811
    user, site, handle, names = lead
    user.set_password("Leila-Pass-2026!")
    user.save()
    log_in(page, live_server, "leila", "Leila-Pass-2026!")
    page.goto(f"{live_server.url}/reports/?since=2026-11-17&until=2026-11-23")
    charts_ready(page, "en")
    drawn_colours = page.evaluate(
        """() => Chart.getChart(document.getElementById('chart-aging')).data.datasets
                 .map(d => [d.label, d.backgroundColor, d.borderColor])"""
    )
    light = age_palette(page)
    assert [label for label, _, _ in drawn_colours] == ["1-3 days", "4-7 days", "8+ days"]
    assert [fill for _, fill, _ in drawn_colours] == light["fills"]
    assert {edge for _, _, edge in drawn_colours} == {light["edge"]}
    readable(light, light["page"])
    readable(light, "#ffffff")  # tables and cards beside the charts

    # A dark theme is Bootstrap's (``data-bs-theme="dark"``, its page #212529).
    page.evaluate("() => document.documentElement.setAttribute('data-bs-theme', 'dark')")
    expect(page.locator("html")).to_have_attribute("data-bs-theme", "dark")
    dark = age_palette(page)
    assert dark["fills"] != light["fills"]
    readable(dark, "#212529")

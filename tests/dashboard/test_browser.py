"""Browser tests: the real page in Debian's Chromium (Playwright), offline, with the server
started by ``conftest.dashboard_url``. Screenshots go to ``tests/dashboard/artifacts/``.

A headless render test passes while the browser shows blank charts (a known failure of Solara
with ipyvue/ipyvuetify 2); these tests ask the browser: every chart has a drawn canvas and its
ECharts instance holds the series sent, and the pixels of the chart region change between
month 0 and month 5.
"""

from __future__ import annotations

import io
import re

import pytest

from sim import metrics
from sim.regimes import REGIMES

from .conftest import ARTIFACTS, require

require("solara")


def shot(page, name: str, full_page: bool = False) -> None:
    ARTIFACTS.mkdir(exist_ok=True)
    page.screenshot(path=str(ARTIFACTS / f"{name}.png"), full_page=full_page)


def month(page) -> int:
    text = page.locator(".gpps-month").inner_text()
    m = re.search(r"Month (\d+) of", text)
    assert m, text
    return int(m.group(1))


def wait_month(page, n: int) -> None:
    page.locator(".gpps-month", has_text=f"Month {n} of").wait_for()


def enter(page, field, text: str, shown) -> None:
    """Type ``text`` until the page shows ``shown`` (a locator): text typed while the page
    re-renders can be lost, and a person then types it again."""
    for attempt in range(3):
        type_into(page, field, text)
        try:
            shown.wait_for(timeout=10_000)
            return
        except Exception:
            if attempt == 2:
                raise


def settle(page, n: int) -> None:
    """Wait until the charts of month ``n`` are on the page: the page re-renders when they
    arrive, and a person types once it has settled (text typed during a re-render can be
    lost)."""
    page.locator(f'.gpps-plots[data-month="{n}"]').wait_for()


def step(page, times: int = 1) -> None:
    for _ in range(times):
        start = month(page)
        page.get_by_role("button", name="Step", exact=True).click()
        wait_month(page, start + 1)


def choose(page, select_class: str, option: str) -> None:
    """Pick ``option`` in the Vuetify select marked with ``select_class``."""
    page.locator(f".{select_class} .v-input__slot").click()
    page.locator(".menuable__content__active .v-list-item", has_text=option).first.click()


def type_into(page, field, text: str) -> None:
    """Type like a person: clear, type, Enter. Before clicking something that uses the value,
    wait for the page to show it: a click can reach the server before the field's value."""
    field.fill("")
    field.press_sequentially(text, delay=40)
    field.press("Enter")


#: For every ECharts container under a selector: its canvas's size, and the number of data
#: items of each series its chart instance holds (Solara's ECharts component keeps the instance
#: on its Vue component).
CHARTS = """(selector) => [...document.querySelectorAll(selector)].map(e => {
    const canvas = e.querySelector('canvas');
    const chart = e.__vue__ && e.__vue__.chart;
    const series = chart ? chart.getOption().series : null;
    return {
        width: canvas ? canvas.width : 0,
        height: canvas ? canvas.height : 0,
        series: series ? series.map(s => (s.data || []).length) : null,
    };
})"""


def charts_drawn(page, selector: str, expected: int) -> list[dict]:
    """What the browser drew in the ``expected`` charts under ``selector``, once each has a
    canvas and a chart instance."""
    page.locator(selector).nth(expected - 1).wait_for()
    page.wait_for_function(
        """([selector, n]) => {
            const all = [...document.querySelectorAll(selector)];
            return all.length === n && all.every(e => e.querySelector('canvas')
                && e.__vue__ && e.__vue__.chart);
        }""",
        arg=[selector, expected],
    )
    page.wait_for_timeout(300)  # the last option set is drawn
    return page.evaluate(CHARTS, selector)


def plots_at(page, month_drawn: int):
    """(charts, distinct colours, coloured pixels, PNG) of the outcome charts at a month."""
    from sim.dashboard.plots import colours

    page.locator(f'.gpps-plots[data-month="{month_drawn}"]').wait_for()
    drawn = charts_drawn(page, ".gpps-plots .gpps-chart", 16)
    png = page.locator(".gpps-plots").screenshot()
    return (drawn, *colours(png), png)


def test_the_page_works_offline(new_page):
    """Every request goes to the dashboard server (solara-assets, no CDN) and succeeds."""
    from sim.dashboard.server import assets_installed

    from .conftest import ARTIFACTS as folder

    assert assets_installed(), "solara-assets is missing: the page would need the internet"
    page = new_page()
    for tab in ("Network", "Organizations", "Compare regimes", "Play the buyer", "Outcomes"):
        page.get_by_role("tab", name=tab).click()
        page.wait_for_timeout(300)
    page.locator(".gpps-lang-zh").click()
    page.get_by_text("购买模式").first.wait_for()
    page.wait_for_load_state("networkidle")
    assert page.outside == [], page.outside
    assert page.failed == [], page.failed
    log = (folder / "server.log").read_text(encoding="utf-8")
    assert "Could not load URL" not in log, log


def test_the_charts_really_draw_and_change_with_regime_and_steps(new_page):
    page = new_page()
    drawn0, distinct0, coloured0, png0 = plots_at(page, 0)
    (ARTIFACTS / "plots_month0.png").write_bytes(png0)
    assert all(c["width"] > 150 and c["height"] > 100 for c in drawn0), drawn0
    assert all(c["series"] == [0] for c in drawn0), drawn0  # no month yet
    assert distinct0 > 20, "the chart region is (nearly) blank at month 0"
    choose(page, "gpps-regime", "Contracting out")
    page.locator(".gpps-running", has_text="Contracting out").wait_for()
    step(page, 5)
    drawn5, distinct5, coloured5, png5 = plots_at(page, 5)
    (ARTIFACTS / "plots_month5.png").write_bytes(png5)
    shot(page, "outcomes_month5")
    assert all(c["width"] > 150 and c["height"] > 100 for c in drawn5), drawn5
    assert all(c["series"] == [5] for c in drawn5), drawn5  # one point a month, every chart
    assert distinct5 > 100, f"only {distinct5} colours in the chart region"
    assert coloured5 > 1000 > coloured0, (coloured0, coloured5)
    import numpy as np
    from PIL import Image

    a = np.asarray(Image.open(io.BytesIO(png0)).convert("RGB"), dtype=int)
    b = Image.open(io.BytesIO(png5)).convert("RGB").resize((a.shape[1], a.shape[0]))
    changed = int((np.abs(a - np.asarray(b, dtype=int)).max(axis=2) > 40).sum())
    assert changed > 2000, f"the charts hardly changed between month 0 and 5 ({changed} pixels)"
    # every outcome says what it is and which way is better; its title explains it on hover
    card = page.locator(".gpps-outcome-provider_revenue_diversity_mean")
    assert "1 - HHI · higher is better" in card.locator(".gpps-card-sub").inner_text()
    explained = card.locator(".gpps-card-title").get_attribute("title")
    assert "Mean diversity of providers' revenue sources" in explained  # sim.metrics
    assert "sum of the squared shares" in explained  # what 1 - HHI means


def test_network_organizations_and_satisfaction_views(new_page):
    from sim.dashboard.plots import colours

    page = new_page()
    step(page, 3)
    page.get_by_role("tab", name="Network").click()
    page.locator('.gpps-network-view[data-month="3"]').wait_for()
    (network,) = charts_drawn(page, ".gpps-network", 1)
    (satisfaction,) = charts_drawn(page, ".gpps-satisfaction", 1)
    assert network["series"] == [2 + 2 + 6], network  # buyers, in-house units, organizations
    assert satisfaction["series"] == [20, 20], satisfaction  # locals and migrants, 20 bins
    for cls in ("gpps-network", "gpps-satisfaction"):
        distinct, coloured = colours(page.locator(f".{cls}").screenshot())
        assert distinct > 50 and coloured > 200, (cls, distinct, coloured)
    shot(page, "network")
    page.get_by_role("tab", name="Organizations").click()
    rows = page.locator(".gpps-orgs tbody tr")
    rows.first.wait_for()
    assert rows.count() >= 6
    header = page.locator(".gpps-orgs thead").inner_text()
    for column in ("Organization", "Origin", "Status", "Government share", "Reputation"):
        assert column in header
    shot(page, "organizations")


def test_a_long_table_pages_by_the_number_its_footer_says(new_page):
    page = new_page()
    choose(page, "gpps-scenario", "Shanghai 2009 tendering")
    page.locator(".gpps-running", has_text="Shanghai 2009 tendering").wait_for()
    page.get_by_role("tab", name="Organizations").click()
    rows = page.locator(".gpps-orgs tbody tr")
    rows.first.wait_for()
    footer = page.locator(".gpps-orgs .v-data-footer").inner_text()
    assert rows.count() == 25
    assert "Rows per page:" in footer and "25" in footer.split("Rows per page:")[1], footer
    assert re.search(r"1-25 of 15\d", footer), footer


def test_play_the_buyer_for_one_tender(new_page):
    page = new_page()
    page.get_by_role("tab", name="Play the buyer").click()
    page.locator(".gpps-play-start").click()
    tender = page.locator(".gpps-tender")
    tender.wait_for()
    first = tender.inner_text()
    assert re.match(r"Month 1 of 24: tender for [\w ]+, community \d+", first), first
    # one clock: the run's month is not shown beside the game's
    assert page.locator(".gpps-month").count() == 0
    lot = page.locator(".gpps-lot").inner_text()
    assert "You buy for Buyer 1." in lot, lot
    assert re.search(r"[\d,]+ service hours a month \(budget [\d,]+ yuan a month\)", lot), lot
    assert re.search(r"In-house, your own unit would cost about [\d.,]+ yuan an hour", lot), lot
    assert "counted per lot" in lot
    bids = page.locator(".gpps-bids tbody tr")
    assert bids.count() >= 1
    header = page.locator(".gpps-bids thead").inner_text()
    for column in ("Price", "Promised quality", "Reputation", "Ties to you"):
        assert column in header
    assert page.locator(".gpps-in-house").is_visible()
    assert page.locator(".gpps-no-award").is_visible()
    shot(page, "play_tender")
    page.locator(".gpps-award").first.click()
    page.get_by_text("Decisions so far: 1").wait_for()
    assert tender.inner_text() != first  # the model ran on to the next lot
    shot(page, "play_after_one_decision")
    page.get_by_role("button", name="Let the rule decide the rest").click()
    page.locator(".gpps-play-done").wait_for()
    table = page.locator(".gpps-play-results").inner_text()
    assert "You" in table and "Automatic rule" in table
    for c in charts_drawn(page, ".gpps-play-plots .gpps-chart", 8):
        assert c["series"] == [24, 24], c  # the rule's run and yours
    shot(page, "play_results", full_page=True)
    page.get_by_role("tab", name="Outcomes").click()
    wait_month(page, 0)  # the run's clock is back


def test_two_browser_sessions_do_not_share_a_model(new_page):
    a = new_page()
    step(a, 3)
    b = new_page()
    assert month(b) == 0
    step(b, 1)
    assert (month(a), month(b)) == (3, 1)
    step(a, 1)
    assert (month(a), month(b)) == (4, 1)


def test_a_reload_keeps_the_run_and_another_browser_gets_its_own(new_page):
    page = new_page()
    step(page, 3)
    page.wait_for_url(re.compile(r"\?seat="))
    address = page.url
    page.reload()
    wait_month(page, 3)
    assert page.url == address
    other = new_page()  # another browser (its own cookies) given the same address
    other.goto(address)
    other.locator(".gpps-month").wait_for()
    wait_month(other, 0)
    assert month(page) == 3


def test_the_facilitator_sees_every_session_and_a_participant_cannot(
    new_page, dashboard_url, facilitator_url
):
    hostile = "<img src=x onerror=alert(1)><b>Ann</b>"  # 38 characters: kept whole
    a = new_page()
    field = a.locator(".gpps-name input")
    field.fill(hostile)
    field.press("Enter")
    step(a, 2)
    b = new_page()
    step(b, 1)
    assert facilitator_url.startswith(dashboard_url + "?facilitator=")
    room = new_page()
    room.goto(facilitator_url)
    table = room.locator(".gpps-room")
    table.wait_for()
    row = table.locator("tbody tr", has_text="<b>Ann</b>")
    row.wait_for()
    text = row.inner_text()
    assert hostile in text and "2 / 120" in text and "Baseline" in text, text  # as text
    assert room.locator(".gpps-room img, .gpps-room b").count() == 0  # not as markup
    assert table.locator("tbody tr", has_text="1 / 120").count() >= 1  # the other session
    shot(room, "facilitator")
    token = facilitator_url.split("facilitator=")[1]
    for address in (
        dashboard_url + "?facilitator",
        dashboard_url + "?facilitator=",
        dashboard_url + "?facilitator=" + token[:-1] + ("A" if token[-1] != "A" else "B"),
    ):
        a.goto(address)
        a.locator(".gpps-room-refused").wait_for()
        assert a.locator(".gpps-room").count() == 0
        assert "Ann" not in a.locator("body").inner_text()


def test_an_invalid_input_shows_its_message_and_the_model_runs_on(new_page):
    page = new_page()
    step(page, 2)
    settle(page, 2)
    field = page.locator(".gpps-param-n_independent_orgs input")
    box = page.locator(".gpps-param-n_independent_orgs")
    enter(page, field, "-3", box.get_by_text("expected a value in [0, 10000]"))
    assert month(page) == 2
    page.get_by_role("button", name="Reset").click()
    page.get_by_text("Fix the inputs marked in red").first.wait_for()
    assert month(page) == 2  # the running model is kept
    step(page, 1)
    settle(page, 3)
    shot(page, "invalid_input")
    enter(page, field, "5", page.get_by_text("Settings changed: press Reset"))
    # typed back to the value the model runs with: nothing to apply
    type_into(page, field, "4")
    page.locator(".gpps-changed").wait_for(state="detached", timeout=10_000)
    enter(page, field, "5", page.get_by_text("Settings changed: press Reset"))
    page.get_by_role("button", name="Reset").click()
    wait_month(page, 0)


def test_all_parameters_open_without_changing_anything(new_page):
    """Every parameter widget renders, and none moves its value on its own (a slider whose
    grid misses the scenario's value would, and the page would call it an edit)."""
    from sim.dashboard.controls import FEATURED, sections

    page = new_page()
    step(page, 1)
    page.locator(".gpps-all-params .gpps-collapsible-title").click()
    for section, names in sections():
        if set(names) - set(FEATURED):
            page.locator(f".gpps-section-{section} .gpps-collapsible-title").click()
    page.locator(".gpps-param-grant_review_noise").wait_for()
    page.locator(".gpps-param-steps").wait_for()
    page.wait_for_timeout(1500)
    assert page.get_by_text("Settings changed").count() == 0
    assert month(page) == 1
    shot(page, "all_parameters", full_page=True)


def test_language_switch_relabels_everything_in_the_studys_terms(new_page):
    page = new_page()
    page.locator(".gpps-lang-zh").click()
    page.get_by_text("政府购买公共服务").first.wait_for()
    for text in ("购买模式", "扮演购买主体", "社会组织", "主要参数", "单步"):
        page.get_by_text(text).first.wait_for()
    page.locator(".gpps-month", has_text="第 0 月").wait_for()
    choose(page, "gpps-regime", "合同外包")
    page.locator(".gpps-running", has_text="合同外包").wait_for()
    shot(page, "chinese")
    page.locator(".gpps-lang-en").click()
    page.locator(".gpps-month", has_text="Month 0 of").wait_for()


def test_compare_every_regime_with_intervals(new_page):
    page = new_page()
    settle(page, 0)
    page.get_by_role("tab", name="Compare regimes").click()
    # the server has the new value (a click can overtake a text field's update)
    plan = page.locator(".gpps-compare-plan", has_text="of 12 months")
    enter(page, page.locator(".gpps-compare-months input"), "12", plan)
    page.locator(".gpps-run-compare").click()
    table = page.locator(".gpps-compare-table")
    table.wait_for(timeout=90_000)
    rows = table.locator("tbody tr")
    assert rows.count() == len(REGIMES)
    text = table.inner_text()
    for regime in ("合同外包", "项目资助", "依赖关系非竞争性购买", "服务券"):
        assert regime in text
    assert re.search(r"\d \[\d", text), "no interval in the table"
    assert "10 replications of 12 months" in page.locator(".gpps-compare-title").inner_text()
    for c in charts_drawn(page, ".gpps-compare-plot .gpps-chart", len(metrics.HEADLINE)):
        assert c["series"] == [len(REGIMES), len(REGIMES)], c  # means and intervals
    shot(page, "compare", full_page=True)


def test_downloads_of_results_and_plots(new_page):
    from sim.dashboard.plots import colours

    page = new_page()
    step(page, 3)
    with page.expect_download() as info:
        page.get_by_role("button", name="Results (CSV)").click()
    lines = open(info.value.path(), encoding="utf-8").read().strip().splitlines()
    assert lines[0].startswith("scenario,regime,seed,step,") and len(lines) == 4
    with page.expect_download() as info:
        page.get_by_role("button", name="Plots (PNG)").click()
    png = open(info.value.path(), "rb").read()
    assert png.startswith(b"\x89PNG") and colours(png)[1] > 1000
    (ARTIFACTS / "download_outcomes.png").write_bytes(png)


def test_play_and_pause(new_page):
    page = new_page()
    page.get_by_role("button", name="Play").click()
    page.locator(".gpps-month", has_text=re.compile(r"Month ([3-9]|\d\d+) of")).wait_for()
    page.get_by_role("button", name="Pause").click()
    page.get_by_role("button", name="Play").wait_for()
    page.wait_for_timeout(1000)  # a month already under way when Pause was pressed ends
    stopped = month(page)
    page.wait_for_timeout(1500)
    assert month(page) == stopped
    assert stopped >= 3


#: Elements whose own text overflows: beyond the element's box, cut inside it, cut by a box
#: around it that hides or scrolls sideways (a participant sees a table cut at its edge, not
#: that it scrolls), or beyond the window.
OVERFLOW = r"""() => {
    const out = [];
    const width = document.documentElement.clientWidth;
    const clip = ['hidden', 'clip'];
    const scrolls = s => ['auto', 'scroll'].includes(s.overflowX);
    const hides = s => clip.includes(s.overflowX) || clip.includes(s.overflowY);
    for (const el of document.querySelectorAll('body *')) {
        const texts = [...el.childNodes].filter(n => n.nodeType === 3 && n.textContent.trim());
        if (!texts.length || !el.getClientRects().length) continue;
        const style = getComputedStyle(el);
        if (style.visibility === 'hidden' || style.opacity === '0') continue;
        const box = el.getBoundingClientRect();
        if (box.width === 0 || box.height === 0) continue;
        const kind = typeof el.className === 'string' && el.className ? el.className : el.tagName;
        const name = kind + ': ' + el.textContent.trim().slice(0, 60);
        for (const t of texts) {  // the text beyond its own box
            const range = document.createRange();
            range.selectNodeContents(t);
            const r = range.getBoundingClientRect();
            const beyond = r.right > box.right + 1 || r.left < box.left - 1
                || r.bottom > box.bottom + 2;
            if (r.width && beyond) {
                out.push('text beyond its box: ' + name);
                break;
            }
        }
        const inside = el.scrollWidth > el.clientWidth + 1 || el.scrollHeight > el.clientHeight + 2;
        if (hides(style) && inside) out.push('text cut in its box: ' + name);
        for (let a = el.parentElement; a && a !== document.body; a = a.parentElement) {
            const s = getComputedStyle(a);
            const ar = a.getBoundingClientRect();
            const sideways = box.right > ar.right + 1 || box.left < ar.left - 1;
            const below = box.bottom > ar.bottom + 2;
            if (((hides(s) || scrolls(s)) && sideways) || (hides(s) && below)) {
                out.push('cut by ' + (a.className || a.tagName) + ': ' + name);
                break;
            }
        }
        if (box.right > width + 1) out.push('beyond the window: ' + name);
    }
    return out;
}"""

#: Every text the page shows (and what its charts draw): visible text, titles (tooltips),
#: and the labels inside the ECharts options.
TEXTS = r"""() => {
    const out = [document.body.innerText];
    for (const el of document.querySelectorAll('[title]')) {
        if (el.getClientRects().length) out.push(el.getAttribute('title'));
    }
    // the parameters' explanations, shown on hover
    document.querySelectorAll('.v-tooltip__content').forEach(e => out.push(e.textContent));
    const add = x => { if (typeof x === 'string') out.push(x); };
    const named = x => add(typeof x === 'string' ? x : x && x.name);
    for (const el of document.querySelectorAll('.gpps-chart')) {
        const chart = el.__vue__ && el.__vue__.chart;
        if (!chart) continue;
        const o = chart.getOption();
        for (const s of o.series || []) {
            add(s.name);
            (s.data || []).forEach(named);
            (s.categories || []).forEach(named);
        }
        for (const a of (o.xAxis || []).concat(o.yAxis || [])) {
            add(a.name);
            (a.data || []).forEach(named);
        }
        (o.legend || []).forEach(l => (l.data || []).forEach(named));
        for (const g of o.graphic || []) {
            (g.elements || [g]).forEach(e => e.style && add(e.style.text));
        }
    }
    return out.join('\n');
}"""

#: English words a Chinese page may show (at most 15): the app's name, the switch back to
#: English, and abbreviations used in Chinese too.
ENGLISH_ALLOWED = {"gpps", "English", "CSV", "PNG", "HHI"}


def walk(page, lang: str, look) -> None:
    """Visit every view of the page, calling ``look(view)`` in each: the outcomes with every
    parameter panel open, the network, the organizations, a comparison with its glossary
    open, a tender to decide, and a finished game with its decision log open."""
    if lang == "zh":
        page.locator(".gpps-lang-zh").click()
        page.locator(".gpps-month", has_text="第 0 月").wait_for()
    page.locator(".gpps-controls button:has(.mdi-step-forward)").click()
    page.locator('.gpps-plots[data-month="1"]').wait_for()
    from sim.dashboard.controls import FEATURED, sections

    page.locator(".gpps-all-params .gpps-collapsible-title").click()
    for section, names in sections():
        if set(names) - set(FEATURED):
            page.locator(f".gpps-section-{section} .gpps-collapsible-title").click()
    page.locator(".gpps-param-grant_review_noise").wait_for()
    charts_drawn(page, ".gpps-plots .gpps-chart", 16)
    look("outcomes")
    page.mouse.move(0, 0)
    tabs = page.locator(".v-tab")

    def open_tab(i, content):
        """Open tab ``i`` and wait for ``content`` and the end of the tabs' slide."""
        tabs.nth(i).click()
        page.locator(content).first.wait_for()
        page.wait_for_function("() => !document.querySelector('.v-window__container--is-active')")

    open_tab(1, ".gpps-network")
    charts_drawn(page, ".gpps-network, .gpps-satisfaction", 2)
    look("network")
    open_tab(2, ".gpps-orgs tbody tr")
    look("organizations")
    open_tab(3, ".gpps-compare-months input")
    plan = page.locator(".gpps-compare-plan", has_text=re.compile(r"\b12\b"))
    enter(page, page.locator(".gpps-compare-months input"), "12", plan)
    page.locator(".gpps-run-compare").click()
    page.locator(".gpps-compare-table").wait_for(timeout=90_000)
    page.locator(".gpps-compare-table + * .v-expansion-panel-header").click()
    page.locator(".gpps-glossary").wait_for()
    charts_drawn(page, ".gpps-compare-plot .gpps-chart", len(metrics.HEADLINE))
    look("compare")
    open_tab(4, ".gpps-play-start")
    page.locator(".gpps-play-start").click()
    page.locator(".gpps-tender").wait_for()
    look("tender")
    page.locator(".gpps-award").first.click()
    page.locator(".gpps-finish-rule").click()
    page.locator(".gpps-play-done").wait_for()
    page.locator(".gpps-play-results ~ * .v-expansion-panel-header").last.click()
    page.locator(".gpps-decision-log tbody tr").first.wait_for()
    charts_drawn(page, ".gpps-play-plots .gpps-chart", 8)
    look("game")


def test_no_text_overflows_its_box_at_1366_by_768(new_page):
    """In English (the longer labels); the Chinese walk below checks the same."""
    page = new_page(viewport={"width": 1366, "height": 768})
    found = {}

    def look(view):
        shot(page, f"walk_en_{view}")
        cut = page.evaluate(OVERFLOW)
        if cut:
            found[view] = cut

    walk(page, "en", look)
    assert not found, found


def test_every_view_in_chinese_shows_no_english_word_outside_the_allow_list(new_page):
    page = new_page(viewport={"width": 1366, "height": 768})
    english, cut = {}, {}

    def look(view):
        shot(page, f"walk_zh_{view}")
        words = set(re.findall(r"[A-Za-z]{2,}", page.evaluate(TEXTS))) - ENGLISH_ALLOWED
        if words:
            english[view] = sorted(words)
        overflowing = page.evaluate(OVERFLOW)
        if overflowing:
            cut[view] = overflowing

    assert len(ENGLISH_ALLOWED) <= 15
    walk(page, "zh", look)
    assert not english, english
    assert not cut, cut


# -- the workshop room (a server of its own: its facilitator's pushes reach only its seats) --
#: Names the room's participants type: one that a spreadsheet would run as a formula, one in
#: Chinese.
ROOM_NAMES = ("=Ann+1", "Bo", "陈明")


def facilitator_tab(page, index: int, content: str) -> None:
    """Open tab ``index`` of the facilitator's page and wait for ``content``."""
    page.locator(".v-tab").nth(index).click()
    page.locator(content).first.wait_for()
    page.wait_for_function("() => !document.querySelector('.v-window__container--is-active')")


def push_setup(room, scenario: str, seed: str, lang: str = "en") -> None:
    """On the facilitator's Setup tab: pick ``scenario`` and ``seed`` and push them to
    everyone."""
    facilitator_tab(room, 1, ".gpps-push")
    label = (
        {"en": "Jiangxi 2006", "zh": "江西 2006"}[lang] if scenario == "jiangxi_2006" else scenario
    )
    choose(room, "gpps-scenario", label)
    room.locator(".gpps-setup-now", has_text=label).wait_for()
    seed_text = "seed" if lang == "en" else "随机种子"
    enter(
        room,
        room.locator(".gpps-seed input"),
        seed,
        room.locator(".gpps-setup-now", has_text=f"{seed_text} {seed}"),
    )
    room.locator(".gpps-push").click()
    room.locator(".gpps-pushed", has_text=f"{seed_text} {seed}").wait_for()


def test_a_workshop_round_push_lock_play_debrief_and_csv(room_page, room_url):
    """Three participants name themselves; the facilitator pushes Jiangxi 2006 with seed 7 to
    everyone and locks the settings; every page shows it; each plays the buyer; the debrief
    has the three games against the rule, and its CSV too (names protected from spreadsheet
    formulas); the projector shows no name; a participant cannot open either page."""
    import csv
    import time

    from .conftest import printed

    people = [room_page() for _ in ROOM_NAMES]
    for page, name in zip(people, ROOM_NAMES, strict=True):
        type_into(page, page.locator(".gpps-name input"), name)
    room = room_page(printed("server_room.log", "facilitator"), wait=".gpps-room")
    for name in ROOM_NAMES:  # the names reached the server
        room.locator(".gpps-room tbody tr", has_text=name).wait_for()
    push_setup(room, "jiangxi_2006", "7")
    pushed = time.monotonic()
    for page in people:
        page.locator(".gpps-running", has_text="Jiangxi 2006").wait_for(timeout=10_000)
        page.locator(".gpps-running", has_text="seed 7").wait_for(timeout=10_000)
        page.locator(".gpps-room-setup", has_text="for everyone: Jiangxi 2006").wait_for()
        page.locator(".gpps-scenario", has_text="Jiangxi 2006").wait_for()  # the selector too
    reached = time.monotonic() - pushed
    assert reached < 5, f"the push took {reached:.1f} s to reach three pages"
    (ARTIFACTS / "room_push_seconds.txt").write_text(f"{reached:.2f}\n")
    room.locator(".gpps-lock").click()
    for page in people:
        page.locator(".gpps-locked").wait_for(timeout=10_000)
        assert page.locator(".gpps-locked-inputs").count() == 2  # inputs greyed out
        assert page.locator(".gpps-locked-inputs .gpps-scenario").count() == 1
    shot(people[0], "room_participant_locked")
    # each plays the buyer: one award then the rule; no award then the rule; the rule at once
    for i, page in enumerate(people):
        page.get_by_role("tab", name="Play the buyer").click()
        page.locator(".gpps-play-start").click()
        page.locator(".gpps-tender").wait_for()
        if i == 0:
            page.locator(".gpps-award").first.click()
            page.get_by_text("Decisions so far: 1").wait_for()
        elif i == 1:
            page.locator(".gpps-no-award").click()
            page.get_by_text("Decisions so far: 1").wait_for()
        page.locator(".gpps-finish-rule").click()
        page.locator(".gpps-play-done").wait_for()
    for page in people[:2]:  # two step their runs: the debrief shows runs by regime too
        page.get_by_role("tab", name="Outcomes").click()
        step(page, 2)
    facilitator_tab(room, 2, ".gpps-debrief")
    for name in ROOM_NAMES:
        row = room.locator(".gpps-debrief tbody tr", has_text=name)
        row.wait_for()
        row.filter(has_text="finished").wait_for()
        assert "Jiangxi 2006" in row.inner_text()
    assert room.locator(".gpps-debrief tbody tr").count() == 3
    n = len(metrics.HEADLINE)
    for c in charts_drawn(room, ".gpps-room-plot-against_rule .gpps-chart", n):
        assert c["series"] == [2, 6], c  # a bar for the players, one for the rule; 3 games each
    room.locator(".gpps-room-plot-by_regime").wait_for()  # once a run has a month
    charts_drawn(room, ".gpps-room-plot-by_regime .gpps-chart", n)
    shot(room, "room_debrief", full_page=True)
    with room.expect_download() as info:
        room.get_by_role("button", name="Debrief (CSV)").click()
    with open(info.value.path(), encoding="utf-8", newline="") as f:
        table = {r["name"]: r for r in csv.DictReader(f)}
    assert set(table) == {"'=Ann+1", "Bo", "陈明"}, set(table)  # the formula as text
    for r in table.values():
        assert (r["game"], r["game_scenario"], r["game_seed"]) == ("finished", "jiangxi_2006", "7")
        assert (r["scenario"], r["seed"]) == ("jiangxi_2006", "7")
        assert r["you_quality_mean"] and r["rule_quality_mean"], r
    assert (table["'=Ann+1"]["decisions"], table["Bo"]["decisions"]) == ("1", "1")
    assert table["陈明"]["decisions"] == "0"
    rule_only = table["陈明"]  # the rule took every decision: its outcomes are the rule's
    for name in metrics.HEADLINE:
        assert rule_only[f"you_{name}"] == rule_only[f"rule_{name}"], name
    assert float(table["Bo"]["diff_quality_mean"]) == pytest.approx(
        float(table["Bo"]["you_quality_mean"]) - float(table["Bo"]["rule_quality_mean"])
    )
    # the projector: the room's summary, no names, no token
    token = printed("server_room.log", "facilitator").split("facilitator=")[1]
    link = room.locator(".gpps-projector-link").get_attribute("href")
    wall = room_page(room_url + link, wait=".gpps-projector-people")
    wall.locator(".gpps-projector-games .gpps-big-number", has_text="3").wait_for()
    assert wall.locator(".gpps-projector-people .gpps-big-number").inner_text() == "3"
    for c in charts_drawn(wall, ".gpps-room-plot-against_rule .gpps-chart", 4):
        assert c["series"] == [2, 6], c
    body = wall.locator("body").inner_text()
    regimes = wall.locator(".gpps-projector-regimes").inner_text().strip()
    assert re.fullmatch(r"[^\n]+: 3", regimes), regimes  # the three runs, one regime
    assert not any(name in body for name in ("Ann", "Bo", "陈明")), body
    assert token not in wall.content()
    shot(wall, "room_projector")
    # a participant opens neither page without the right token
    projector_token = link.split("projector=")[1]
    intruder = people[1]
    for address, refused in (
        ("?facilitator", ".gpps-room-refused"),
        ("?facilitator=" + token[:-1] + ("A" if token[-1] != "A" else "B"), ".gpps-room-refused"),
        ("?facilitator=" + projector_token, ".gpps-room-refused"),
        ("?projector=", ".gpps-projector-refused"),
        ("?projector=" + token, ".gpps-projector-refused"),
    ):
        intruder.goto(room_url + address)
        intruder.locator(refused).wait_for()
        text = intruder.locator("body").inner_text()
        assert intruder.locator(".gpps-room, .gpps-debrief, .gpps-big").count() == 0
        assert "Ann" not in text and "陈明" not in text


def test_the_room_views_fit_at_1366_by_768_and_speak_chinese(room_page, room_url):
    """The facilitator's room, setup and debrief, the projector, and a participant's page
    under the facilitator's setup and lock: in English and in Chinese no text overflows its
    box, and in Chinese no English word shows outside the allow-list (the names participants
    typed are theirs). With ``GPPS_SCREENSHOTS=FOLDER`` the views are saved there too (the
    documentation's screenshots: ``GPPS_SCREENSHOTS=docs/screenshots``)."""
    import os
    from pathlib import Path

    from .conftest import printed

    small = {"width": 1366, "height": 768}
    folder = os.environ.get("GPPS_SCREENSHOTS")
    typed = {w for n in (*ROOM_NAMES, "Li Lei") for w in re.findall(r"[A-Za-z]{2,}", n)}
    english, cut = {}, {}

    def look(page, view, lang):
        shot(page, f"room_{lang}_{view}")
        if folder:
            Path(folder).mkdir(parents=True, exist_ok=True)
            page.screenshot(path=str(Path(folder) / f"{view}_{lang}.png"))
        overflowing = page.evaluate(OVERFLOW)
        if overflowing:
            cut[f"{view} {lang}"] = overflowing
        if lang == "zh":
            words = set(re.findall(r"[A-Za-z]{2,}", page.evaluate(TEXTS)))
            words -= ENGLISH_ALLOWED | typed
            if words:
                english[view] = sorted(words)

    def both(page, view, ready):
        """Look at ``view`` in English, then in Chinese (``ready[lang]``: shown when done)."""
        for lang in ("en", "zh"):
            page.locator(f".gpps-lang-{lang}").first.click()
            page.locator(ready[lang]).first.wait_for()
            page.mouse.move(0, 0)
            page.wait_for_timeout(300)
            look(page, view, lang)

    person = room_page(viewport=small)
    type_into(person, person.locator(".gpps-name input"), "Li Lei")
    room = room_page(printed("server_room.log", "facilitator"), viewport=small, wait=".gpps-room")
    room.locator(".gpps-room tbody tr", has_text="Li Lei").wait_for()
    both(room, "facilitator_room", {"en": "text=Groups", "zh": "text=分组"})
    room.locator(".gpps-lang-en").click()
    push_setup(room, "jiangxi_2006", "5")
    room.locator(".gpps-lock").click()
    room.locator(".gpps-locked-for", has_text="Locked: Everyone").wait_for()
    both(room, "facilitator_setup", {"en": "text=This setup:", "zh": "text=当前设定："})
    person.locator(".gpps-locked").wait_for(timeout=10_000)
    person.locator(".gpps-running", has_text="seed 5").wait_for()
    step(person, 1)
    settle(person, 1)
    both(person, "participant", {"en": ".gpps-month >> text=Month 1 of", "zh": "text=第 1 月"})
    person.locator(".gpps-lang-en").click()
    person.get_by_role("tab", name="Play the buyer").click()
    person.locator(".gpps-play-start").click()
    person.locator(".gpps-finish-rule").click()
    person.locator(".gpps-play-done").wait_for()
    room.locator(".gpps-lang-en").click()
    facilitator_tab(room, 2, ".gpps-debrief")
    room.locator(".gpps-debrief tbody tr", has_text="Li Lei").filter(has_text="finished").wait_for()
    charts_drawn(room, ".gpps-room-plot-by_regime .gpps-chart", len(metrics.HEADLINE))
    both(room, "facilitator_debrief", {"en": "text=Debrief (CSV)", "zh": "text=复盘数据（CSV）"})
    link = room.locator(".gpps-projector-link").get_attribute("href")
    wall = room_page(room_url + link, viewport=small, wait=".gpps-projector-people")
    charts_drawn(wall, ".gpps-room-plot-against_rule .gpps-chart", 4)
    both(wall, "projector", {"en": "text=participants", "zh": "text=位参与者"})
    room.locator(".gpps-lang-en").click()
    room.locator(".v-tab").nth(1).click()
    room.locator(".gpps-unlock").click()
    room.locator(".gpps-locked-for", has_text="Settings unlocked").wait_for()
    person.locator(".gpps-locked").wait_for(state="detached", timeout=10_000)
    assert not english, english
    assert not cut, cut


@pytest.fixture(autouse=True)
def _artifacts_dir():
    ARTIFACTS.mkdir(exist_ok=True)

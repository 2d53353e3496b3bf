"""The report page in a real browser: headless Chromium (Debian's ``chromium`` and ``chromium-driver``), driven
by selenium, with the network switched off.

Run locally: ``apt-get install -y chromium chromium-driver`` once, then ``pytest tests/test_report_browser.py``.
Without a Chromium these tests skip, unless ``SPAREOPT_BROWSER_REQUIRED=1`` (``.ci/run`` sets it: in CI the
browser is installed, and a missing one fails).  ``SPAREOPT_SCREENSHOTS=docs/figures`` keeps the screenshots the
tests take (the README's).
"""

from __future__ import annotations

import os
import shutil
import time
from pathlib import Path

import numpy as np
import pytest
from conftest import run_cli

from spareopt.jobs.report import network_report
from spareopt.page import curve_at

EXAMPLES = Path(__file__).resolve().parents[1] / "examples"
NETWORK = EXAMPLES / "network_sample.csv"
MASTER = EXAMPLES / "parts_master.csv"
DEALERS = EXAMPLES / "dealers.csv"
CHROMIUM = shutil.which("chromium") or shutil.which("chromium-browser")
DRIVER = shutil.which("chromedriver")

if not (CHROMIUM and DRIVER):
    if os.environ.get("SPAREOPT_BROWSER_REQUIRED"):
        raise RuntimeError("SPAREOPT_BROWSER_REQUIRED is set, but chromium or chromedriver is not installed "
                           "(apt-get install -y chromium chromium-driver)")
    pytest.skip("no chromium and chromedriver (apt-get install -y chromium chromium-driver)", allow_module_level=True)

webdriver = pytest.importorskip("selenium.webdriver")
from selenium.webdriver.chrome.options import Options
from selenium.webdriver.chrome.service import Service
from selenium.webdriver.common.by import By
from selenium.webdriver.common.keys import Keys

pytestmark = pytest.mark.xdist_group("browser")


@pytest.fixture(scope="module")
def browser():
    options = Options()
    for argument in ("--headless=new", "--no-sandbox", "--disable-gpu", "--disable-dev-shm-usage",
                     "--window-size=1400,1000", "--lang=en-US"):
        options.add_argument(argument)
    options.binary_location = CHROMIUM
    options.set_capability("goog:loggingPrefs", {"browser": "ALL"})
    driver = webdriver.Chrome(options=options, service=Service(DRIVER))  # no selenium-manager download
    driver.set_network_conditions(offline=True, latency=0, download_throughput=0, upload_throughput=0)
    yield driver
    driver.quit()


@pytest.fixture(scope="module")
def report(tmp_path_factory):
    """The page of the example network (spareopt report, end to end), and the run it shows (the library's)."""
    folder = tmp_path_factory.mktemp("page")
    path = folder / "report.html"
    result = run_cli("report", str(NETWORK), "--parts", str(MASTER), "--dealers", str(DEALERS), "--holdout-months",
                     "6", "-o", str(path), "-q")
    assert result.exit_code == 0, result.output
    return path, network_report(NETWORK, MASTER, holdout_months=6)


def opened(driver, path: Path) -> None:
    driver.get_log("browser")  # empty the log of an earlier page
    started = time.monotonic()
    driver.get(path.as_uri())
    while not driver.execute_script("return window.spareopt && window.spareopt.ready"):
        errors = driver.execute_script("return window.spareopt ? window.spareopt.errors : []")
        assert not errors, errors
        assert time.monotonic() - started < 30, "the page did not finish drawing"
        time.sleep(0.05)


def shot(driver, name: str, tmp: Path) -> None:
    keep = os.environ.get("SPAREOPT_SCREENSHOTS")
    folder = Path(keep) if keep else tmp
    folder.mkdir(parents=True, exist_ok=True)
    driver.save_screenshot(str(folder / name))


def shown(driver, element_id: str) -> str:
    return driver.find_element(By.ID, element_id).get_attribute("data-value")


def list_rows(driver) -> list[list[str]]:
    """The cells of the list's rows shown, read in one script (a redraw cannot stale them)."""
    return driver.execute_script("return [...document.querySelectorAll('#list tbody tr')]"
                                 ".map((tr) => [...tr.querySelectorAll('td')].map((td) => td.textContent))")


def settled(driver) -> list[list[str]]:
    """The list's rows once a search has redrawn it (the same rows twice in a row)."""
    before = None
    for _ in range(50):
        time.sleep(0.05)
        now = list_rows(driver)
        if now == before:
            return now
        before = now
    return before


def test_loads_offline_without_console_errors(browser, report, tmp_path):
    path, _ = report
    opened(browser, path)
    severe = [entry for entry in browser.get_log("browser") if entry["level"] == "SEVERE"]
    assert severe == []
    assert browser.find_element(By.CSS_SELECTOR, "#tiles .tile").is_displayed()
    heads = [th.text for th in browser.find_elements(By.CSS_SELECTOR, "#by-dealer thead th")]
    assert heads[:2] == ["Dealer", "Dealer name"] and "Achieved fill rate, all demand (replayed)" in heads
    first = browser.find_element(By.CSS_SELECTOR, "#by-dealer tbody tr").find_elements(By.TAG_NAME, "td")
    assert first[1].text == "北京东方4S店"  # examples/dealers.csv names D0, the dealer with the most stock value
    browser.execute_script("window.scrollTo(0, 0)")
    shot(browser, "report_summary.png", tmp_path)


def test_budget_slider_shows_the_curve(browser, report, tmp_path):
    path, result = report
    opened(browser, path)
    slider = browser.find_element(By.ID, "budget")
    browser.execute_script("arguments[0].scrollIntoView({block: 'start'})", browser.find_element(By.ID, "whatif"))
    start = float(shown(browser, "whatif-budget"))
    assert start == pytest.approx(result.report["optimize"]["budget"])
    checked = []
    for keys in ([Keys.ARROW_LEFT] * 40, [Keys.ARROW_RIGHT] * 120, [Keys.HOME], [Keys.END], [Keys.PAGE_DOWN] * 3):
        slider.send_keys(*keys)
        budget = float(shown(browser, "whatif-budget"))
        expected = curve_at(result.curve, budget)
        assert float(shown(browser, "whatif-fill")) == pytest.approx(expected["expected_fill_rate"])
        assert int(shown(browser, "whatif-stocked")) == int(expected["rows_stocked"])
        assert float(shown(browser, "whatif-value")) == pytest.approx(expected["stock_value"])
        assert float(shown(browser, "whatif-value")) <= budget + 1e-6
        checked.append(budget)
    assert len(set(checked)) >= 4 and min(checked) == 0.0  # it moved, down to no budget
    slider.send_keys(Keys.END, *[Keys.PAGE_DOWN] * 8)
    shot(browser, "report_whatif.png", tmp_path)


def test_part_card_shows_the_must_stock_row(browser, report, tmp_path):
    path, result = report
    opened(browser, path)
    table = result.table
    browser.execute_script("arguments[0].scrollIntoView()", browser.find_element(By.ID, "lists"))
    titles = [th.text for th in browser.find_elements(By.CSS_SELECTOR, "#list thead th")]
    assert titles[:4] == ["Dealer", "Dealer name", "Region", "Part"]
    for position in (0, 3):  # a stocked row, and another
        row = browser.find_elements(By.CSS_SELECTOR, "#list tbody tr")[position]
        cells = [td.text for td in row.find_elements(By.TAG_NAME, "td")]
        dealer, part = cells[0], cells[titles.index("Part")]
        row.click()
        card = browser.find_element(By.ID, "card")
        assert card.get_attribute("open") is not None
        expected = table[(table["dealer"] == dealer) & (table["part"] == part)].iloc[0]
        facts = {dd.get_attribute("data-key"): dd.get_attribute("data-value")
                 for dd in card.find_elements(By.CSS_SELECTOR, "dd")}
        for key in ("reorder_point", "max_stock"):
            assert float(facts[key]) == expected[key], key
        assert float(facts["implied_fill_rate"]) == pytest.approx(expected["implied_fill_rate"], abs=1e-6)
        assert facts["reason"] == expected["reason"] and facts["decision"] == expected["decision"]
        rule = browser.find_element(By.ID, "card-rule").text
        assert f"({expected['reason']}: " in rule
        assert f"ssq {expected['ssq']:.4g}" in rule
        assert browser.find_elements(By.CSS_SELECTOR, "#card-chart .main-svg"), "no monthly demand chart"
        if position == 0:
            shot(browser, "report_card.png", tmp_path)
        browser.find_element(By.ID, "card-close").click()
        assert card.get_attribute("open") is None


def test_sort_and_filter_a_dealers_list(browser, report):
    path, result = report
    opened(browser, path)
    table = result.table
    select = browser.find_element(By.ID, "dealer-select")
    dealers = [o.get_attribute("value") for o in select.find_elements(By.TAG_NAME, "option")]
    assert dealers == sorted(table["dealer"].unique())
    select.find_elements(By.TAG_NAME, "option")[1].click()
    rows = list_rows(browser)
    assert rows and {r[0] for r in rows} == {dealers[1]}
    note = browser.find_element(By.ID, "list-note").text
    assert f"of {int((table['dealer'] == dealers[1]).sum()):,} rows" in note
    headers = browser.find_elements(By.CSS_SELECTOR, "#list thead th")
    titles = [h.text for h in headers]
    max_column = titles.index("Max")
    mine = table[(table["dealer"] == dealers[1]) & (table["decision"] == "dealer")]
    firsts = []
    for _ in range(3):  # DataTables cycles ascending, descending, unsorted
        browser.find_elements(By.CSS_SELECTOR, "#list thead th")[max_column].click()
        rows = settled(browser)
        maxima = [float(r[max_column].replace(",", "")) for r in rows if r[max_column] != "-"]
        firsts.append(maxima[0] if maxima and rows[0][max_column] != "-" else None)
        if maxima and firsts[-1] is not None:
            assert maxima == sorted(maxima, reverse=maxima[0] > maxima[-1])  # sorted, one way or the other
    assert mine["max_stock"].max() in firsts  # descending: the largest Max first
    part = mine.sort_values("max_stock").iloc[0]["part"]
    search = browser.find_element(By.CSS_SELECTOR, "#list_wrapper input[type=search]")
    search.send_keys(part)
    filtered = settled(browser)
    assert len(filtered) >= 1 and all(part in " ".join(r) for r in filtered)
    assert np.isin([r[titles.index("Part")] for r in filtered], table["part"].to_numpy()).all()
    search.clear()
    search.send_keys("no such part at all")
    assert len(settled(browser)) == 1  # DataTables' one "no rows" line

"""``leaderboard --html``: a static site that works from file:// with no network, checked as files
and, where Chromium and Playwright are installed (``pip install '.[site-test]'`` and Debian's
``chromium``), in a real headless browser."""

from __future__ import annotations

import json
import re
import shutil
from pathlib import Path

import pytest

from hofstadter.cli import main
from hofstadter.profiles import get_profile

CHALLENGES = ("div3-base10", "add-base10")
MODELS = ("majority", "last-digits", "fsa")


@pytest.fixture(scope="module")
def site(tmp_path_factory) -> Path:
    """A smoke-profile store of a few fast models and one external model, and its site."""
    root = tmp_path_factory.mktemp("site")
    store, site_dir = root / "store", root / "site"
    seed = str(get_profile("smoke").seeds[0])
    with pytest.MonkeyPatch.context() as patch:
        patch.setenv("HOFSTADTER_CACHE", str(tmp_path_factory.getbasetemp() / "sample-cache"))
        argv = ["run", *CHALLENGES, *(a for m in MODELS for a in ("--model", m)), "--profile", "smoke",
                "--seed", seed, "--results", str(store)]  # fmt: skip
        assert main(argv) == 0
        assert main(["export", "div3-base10", "--split", "test", "--profile", "smoke",
                     "--out", str(root / "export")]) == 0
        rows = [json.loads(line) for f in (root / "export").glob("test-L*.jsonl")
                for line in f.read_text().splitlines()]  # fmt: skip
        predictions = root / "preds.jsonl"
        predictions.write_text("".join(json.dumps({"text": r["text"], "prediction": int(r["text"]) % 3 == 0})
                                       + "\n" for r in rows))  # fmt: skip
        assert main(["score", "div3-base10", str(predictions), "--model-name", "mod3", "--profile", "smoke",
                     "--seed", seed, "--results", str(store), "--description", "int(text) % 3 == 0"]) == 0
        argv = ["leaderboard", "--results", str(store), "--profile", "smoke", "--html", str(site_dir)]
        assert main(argv) == 0
    return site_dir


def test_the_site_has_a_page_per_challenge_and_model(site):
    index = (site / "index.html").read_text()
    for challenge in CHALLENGES:
        assert f'href="challenges/{challenge}.html"' in index
        assert (site / "challenges" / f"{challenge}.html").exists()
    for model in (*MODELS, "external_3amod3"):  # site.slug("external:mod3")
        assert (site / "models" / f"{model}.html").exists()
    # groups: learners, the external model, references -- each its own tbody, references last
    kinds = re.findall(r'<tbody data-kind="(\w+)"', index)
    assert kinds == ["learner", "external", "reference"]
    assert "int(text) % 3 == 0" in (site / "models" / "external_3amod3.html").read_text()
    assert "A LearnerView" in (site / "models" / "majority.html").read_text()
    fsa = (site / "models" / "fsa.html").read_text()
    assert "The challenge itself" in fsa and "not-applicable: fsa on add-base10" in fsa


def test_every_link_resolves_and_nothing_is_fetched(site):
    pages = list(site.rglob("*.html"))
    assert len(pages) == 1 + len(CHALLENGES) + len(MODELS) + 1
    for page in pages:
        text = page.read_text()
        assert not re.search(r'(src|href)="(https?:)?//', text), page  # no CDN, no network
        for target in re.findall(r'(?:src|href)="([^"#]+)"', text):
            assert (page.parent / target).resolve().exists(), (page, target)


def test_the_headline_shows_intervals_and_solved_marks(site):
    index = (site / "index.html").read_text()
    # fsa (a reference) is proven exact on div3-base10: solved; the cell's title gives the interval
    cell = re.search(r'<td class="num solved"[^>]*title="(fsa on div3-base10[^"]*)"', index)
    assert cell and "95% Wilson interval [" in cell.group(1) and "proven exact" in cell.group(1)
    # the external model's predictions are right, but 64 strings a length cannot show 99%
    external = re.search(r'title="(external:mod3 on div3-base10[^"]*)">([^<]*)<', index)
    assert external and external.group(2) == "100.0" and "not solved" in external.group(1)


def _browser():
    """A headless Chromium driven by Playwright, or a skip that says what is missing."""
    try:
        from playwright.sync_api import sync_playwright
    except ImportError:
        pytest.skip("Playwright is not installed (pip install '.[site-test]')")
    executable = shutil.which("chromium") or shutil.which("chromium-browser")
    if executable is None:
        pytest.skip("no Chromium on PATH (Debian: apt-get install -y chromium)")
    return sync_playwright, executable


def test_the_site_works_in_a_headless_browser(site):
    sync_playwright, executable = _browser()
    args = ["--headless", "--no-sandbox", "--disable-gpu", "--disable-background-networking",
            "--disable-component-update", "--disable-sync", "--no-first-run"]  # fmt: skip
    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=executable, args=args)
        try:
            page = browser.new_page()
            errors: list[str] = []
            page.on("pageerror", lambda error: errors.append(str(error)))
            page.goto((site / "index.html").as_uri())
            learners = 'tbody[data-kind="learner"] tr:not(.group) th a'
            column = 'thead th[data-family] >> nth=0'  # the first challenge's column: div3-base10

            def order() -> list[str]:
                return page.locator(learners).all_inner_texts()

            def values() -> list[float]:
                cells = page.locator('tbody[data-kind="learner"] tr:not(.group) td:nth-child(3)')
                return [float(v) for v in cells.evaluate_all("cs => cs.map(c => c.dataset.v)")]

            page.locator(column).click(position={"x": 4, "y": 4})  # the header, not its link
            assert len(values()) == 2 and values() == sorted(values(), reverse=True)  # best first
            page.locator(column).click(position={"x": 4, "y": 4})
            assert values() == sorted(values())
            page.locator('thead th[data-col="0"]').click()  # by name: A-Z, then Z-A
            assert order() == sorted(order()) == ["last-digits", "majority"]
            page.locator('thead th[data-col="0"]').click()
            assert order() == ["majority", "last-digits"]
            # filter: one family hides the other family's column
            page.select_option("#family", "divisibility")
            assert not page.locator('thead th[data-family="arithmetic"]').first.is_visible()
            assert not page.locator('td[data-family="arithmetic"]').first.is_visible()
            assert page.locator('thead th[data-family="divisibility"]').first.is_visible()
            page.select_option("#family", "")
            page.locator('input[data-kind="reference"]').uncheck()
            assert not page.locator('tbody[data-kind="reference"]').is_visible()
            # follow a link to a challenge page: its plot is rendered
            page.locator('thead a[href="challenges/div3-base10.html"]').click()
            page.wait_for_load_state("load")
            assert page.url.endswith("challenges/div3-base10.html")
            plot = page.locator("img.plot").first
            assert plot.evaluate("img => img.complete && img.naturalWidth") > 0
            assert "proven exact" in page.inner_text("main")
            assert errors == []
        finally:
            browser.close()

"""The documentation site in a real browser: headless Chromium (Debian's ``chromium`` and
``chromium-driver``, driven by Selenium) opens the built site, served on 127.0.0.1.

Each checked page loads without a console error, every image, script and stylesheet it
references comes from the site itself and loads (images with a natural size), every page it
links to exists, and so does every anchor it links to within itself (its table of contents);
the search finds ``make_train_step``. Screenshots of the pages are saved in
the test's ``tmp_path``.
"""

import functools
import importlib.util
import threading
import urllib.error
import urllib.parse
import urllib.request
from http.server import SimpleHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path

import pytest

from conftest import require_ci_setup

pytestmark = pytest.mark.slow

CHROMIUM = Path("/usr/bin/chromium")
CHROMEDRIVER = Path("/usr/bin/chromedriver")
ROOT = Path(__file__).resolve().parents[1]
PAGES = {
    "home": "", "api_jax_zoo": "api/jax_zoo/", "api_models": "api/models/", "api_train": "api/train/", "cli": "cli/",
    **{f"notebook_{path.stem}": f"notebooks/{path.stem}/" for path in sorted((ROOT / "notebooks").glob("*.py"))},
}
"""Screenshot name -> the page's path in the site: the home page, the references, every notebook."""
LOAD_SECONDS = 30

REFERENCES = """
const images = [...document.images].map(image => ({url: image.currentSrc || image.src, width: image.naturalWidth}));
const scripts = [...document.scripts].filter(script => script.src).map(script => script.src);
const styles = [...document.querySelectorAll('link[rel="stylesheet"]')].map(link => link.href);
const links = [...document.querySelectorAll('a[href]')].map(link => link.href);
const anchors = [...document.querySelectorAll('a[href^="#"]')].map(link => decodeURIComponent(link.getAttribute('href').slice(1)));
const missingAnchors = anchors.filter(id => id && !document.getElementById(id));
return {images, scripts, styles, links, missingAnchors};
"""


class _RecordingHandler(SimpleHTTPRequestHandler):
    """Serves the site's folder and records each request's path and status."""

    def send_response(self, code, message=None):
        self.server.responses.append((self.path, code))
        super().send_response(code, message)

    def log_message(self, format, *args):
        pass


@pytest.fixture(scope="module")
def server(built_site):
    httpd = ThreadingHTTPServer(("127.0.0.1", 0), functools.partial(_RecordingHandler, directory=str(built_site)))
    httpd.responses = []
    thread = threading.Thread(target=httpd.serve_forever, daemon=True)
    thread.start()
    yield httpd
    httpd.shutdown()
    httpd.server_close()


@pytest.fixture(scope="module")
def browser():
    require_ci_setup(CHROMIUM.is_file() and CHROMEDRIVER.is_file(), "Debian's chromium and chromium-driver")
    require_ci_setup(importlib.util.find_spec("selenium") is not None, "the docs extra's selenium")
    from selenium import webdriver

    options = webdriver.ChromeOptions()
    options.binary_location = str(CHROMIUM)
    for argument in ("--headless=new", "--no-sandbox", "--disable-dev-shm-usage", "--window-size=1280,1400"):
        options.add_argument(argument)
    options.set_capability("goog:loggingPrefs", {"browser": "ALL"})
    driver = webdriver.Chrome(options=options, service=webdriver.ChromeService(executable_path=str(CHROMEDRIVER)))
    driver.set_page_load_timeout(LOAD_SECONDS)
    yield driver
    driver.quit()


def _url(server, path: str = "") -> str:
    return f"http://127.0.0.1:{server.server_address[1]}/{path}"


def _open(browser, url: str) -> None:
    from selenium.webdriver.support.ui import WebDriverWait

    browser.get(url)
    WebDriverWait(browser, LOAD_SECONDS).until(
        lambda driver: driver.execute_script(
            "return document.readyState === 'complete' && [...document.images].every(image => image.complete)"
        )
    )


def _status(url: str) -> int:
    try:
        with urllib.request.urlopen(url, timeout=LOAD_SECONDS) as response:
            return response.status
    except urllib.error.HTTPError as error:
        return error.code


@pytest.mark.parametrize("name", PAGES)
def test_page_loads_every_resource_without_console_errors(server, browser, tmp_path, name):
    server.responses.clear()
    _open(browser, _url(server, PAGES[name]))
    browser.save_screenshot(str(tmp_path / f"{name}.png"))
    errors = [entry for entry in browser.get_log("browser") if entry["level"] == "SEVERE"]
    assert not errors, errors

    references = browser.execute_script(REFERENCES)
    origin = _url(server)
    resources = [image["url"] for image in references["images"]] + references["scripts"] + references["styles"]
    foreign = [url for url in resources if not (url.startswith(origin) or url.startswith("data:"))]
    assert not foreign, f"resources from another host: {foreign}"
    assert all(image["width"] > 0 for image in references["images"]), [i["url"][:80] for i in references["images"] if not i["width"]]
    failed = [(path, code) for path, code in server.responses if code >= 400]
    assert not failed, failed

    assert not references["missingAnchors"], f"links to anchors the page does not have: {references['missingAnchors']}"
    pages = {urllib.parse.urldefrag(url).url for url in references["links"] if url.startswith(origin)}
    missing = [url for url in sorted(pages) if _status(url) != 200]
    assert not missing, f"links to pages that do not exist: {missing}"
    if name.startswith("notebook"):
        plots = [image for image in references["images"] if image["url"].startswith("data:image/png")]
        assert plots and all(image["width"] > 0 for image in plots)
        browser.execute_script("document.querySelector('img[src^=\"data:image/png\"]').scrollIntoView()")
        browser.save_screenshot(str(tmp_path / f"{name}_plot.png"))


def test_search_finds_make_train_step(server, browser, tmp_path):
    from selenium.webdriver.common.by import By
    from selenium.webdriver.support.ui import WebDriverWait

    _open(browser, _url(server))
    field = browser.find_element(By.CSS_SELECTOR, "input.md-search__input")
    field.click()
    field.send_keys("make_train_step")
    WebDriverWait(browser, LOAD_SECONDS).until(
        lambda driver: driver.find_elements(By.CSS_SELECTOR, "li.md-search-result__item a.md-search-result__link")
    )
    browser.save_screenshot(str(tmp_path / "search.png"))
    results = [link.get_attribute("href") for link in browser.find_elements(By.CSS_SELECTOR, "li.md-search-result__item a")]
    assert any("api/train/" in url and "make_train_step" in url for url in results), results
    assert not [entry for entry in browser.get_log("browser") if entry["level"] == "SEVERE"]

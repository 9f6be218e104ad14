"""The course book builds offline from its stored results with no warning, and reads correctly in a
browser: every chapter loads, every image loads, the math is typeset, and nothing is fetched from
another host.

The build runs ``jupyter-book build -W -n --keep-going`` into a temporary directory (never the
source tree); the browser is the system chromium (Debian's ``chromium``, installed by
``.ci/run``), driven by Playwright without Playwright's own browser download.
"""

from __future__ import annotations

import functools
import http.server
import json
import os
import shutil
import subprocess
import sys
import threading
from pathlib import Path
from urllib.parse import urlparse

import pytest
import yaml
from filelock import FileLock

from gan_course import paths

BOOK = paths.source_checkout() / "book"
CHROMIUM_CANDIDATES = ("/usr/bin/chromium", "/usr/bin/chromium-browser", "/usr/bin/google-chrome")
# headless flags checked on these machines (ENVIRONMENT.md)
CHROMIUM_ARGS = ["--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
                 "--disable-background-networking", "--disable-component-update", "--disable-sync"]
LOCAL_SCHEMES = ("data", "blob", "about")
# Sphinx 7.4 (pinned below 8 by jupyter-book 1) writes every inline script that an extension adds
# after the builder started twice (its asset list compares a file name None with ""), so
# sphinx-thebe's `const THEBE_JS_URL` is declared twice on every page. Harmless here: thebe is off.
KNOWN_SCRIPT_ERRORS = ("Identifier 'THEBE_JS_URL' has already been declared",)
BUILD_TIMEOUT_S = 600


def chapter_files() -> list[str]:
    """The book's pages in table-of-contents order (root first), without extensions."""
    toc = yaml.safe_load((BOOK / "_toc.yml").read_text(encoding="utf-8"))
    return [toc["root"]] + [entry["file"] for entry in toc["chapters"]]


@pytest.fixture(scope="session")
def built_book(tmp_path_factory):
    """The book built once per test session: (html directory, completed process, source files
    before, source files after). Under pytest-xdist the workers share one build (a file lock and
    the session's common temporary directory), so ``pytest -n 2`` does not build it twice."""
    if os.environ.get("PYTEST_XDIST_WORKER"):
        shared = tmp_path_factory.getbasetemp().parent  # the session's directory, common to its workers
        with FileLock(str(shared / "book_build.lock")):
            return _build_once(shared / "book_build")
    return _build_once(tmp_path_factory.mktemp("book_build"))


def _build_once(out: Path):
    record = out / "build.json"
    if record.is_file():  # another worker of this session built it
        saved = json.loads(record.read_text())
        done = subprocess.CompletedProcess(saved["args"], saved["returncode"], saved["stdout"], saved["stderr"])
        return out / "_build" / "html", done, saved["before"], saved["after"]
    out.mkdir(parents=True, exist_ok=True)
    jupyter_book = Path(sys.executable).with_name("jupyter-book")
    assert jupyter_book.is_file(), "jupyter-book is missing: pip install -e '.[book]'"
    before = source_files()
    args = [str(jupyter_book), "build", "-W", "-n", "--keep-going", "--path-output", str(out), str(BOOK)]
    done = subprocess.run(args, capture_output=True, text=True, timeout=BUILD_TIMEOUT_S)
    after = source_files()
    record.write_text(json.dumps({"args": args, "returncode": done.returncode, "stdout": done.stdout,
                                  "stderr": done.stderr, "before": before, "after": after}))
    return out / "_build" / "html", done, before, after


def source_files() -> dict[str, int]:
    """Every file below book/ (but a local book/_build) with its modification time (ns)."""
    return {str(p.relative_to(BOOK)): p.stat().st_mtime_ns for p in BOOK.rglob("*")
            if p.is_file() and p.relative_to(BOOK).parts[0] != "_build"}


def test_the_book_builds_with_no_warning_and_leaves_the_source_tree_alone(built_book):
    html, done, before, after = built_book
    assert done.returncode == 0, done.stdout[-4000:] + done.stderr[-4000:]
    assert "WARNING:" not in done.stdout + done.stderr  # Sphinx's warnings (-W turns them into errors too)
    for page in chapter_files():
        assert (html / f"{page}.html").is_file(), page
    assert after == before, "the build wrote into book/"
    assert (html / "_static" / "mathjax" / "tex-chtml.js").is_file()  # MathJax shipped with the book


def test_no_page_refers_to_a_cdn_for_what_it_loads(built_book):
    """Do the script and stylesheet tags of every page point inside the book?"""
    import re

    html = built_book[0]
    for page in chapter_files():
        text = (html / f"{page}.html").read_text(encoding="utf-8")
        for url in re.findall(r'<(?:script|link|img)[^>]+(?:src|href)="([^"]+)"', text):
            assert not urlparse(url).netloc, f"{page}.html loads {url}"


@pytest.fixture(scope="session")
def server(built_book):
    """The built HTML served on 127.0.0.1 (a free port) for the browser: its base URL."""
    html, done = built_book[:2]
    assert done.returncode == 0, "the book did not build"
    handler = functools.partial(QuietHandler, directory=str(html))
    httpd = http.server.ThreadingHTTPServer(("127.0.0.1", 0), handler)
    thread = threading.Thread(target=httpd.serve_forever, daemon=True)
    thread.start()
    yield f"http://127.0.0.1:{httpd.server_address[1]}"
    httpd.shutdown()
    httpd.server_close()


class QuietHandler(http.server.SimpleHTTPRequestHandler):
    def log_message(self, format, *args):  # noqa: A002 - the signature of the base class
        pass


def chromium() -> str:
    found = next((p for p in CHROMIUM_CANDIDATES if Path(p).is_file()), None) or shutil.which("chromium")
    assert found, "no system chromium: apt-get install -y chromium (never Playwright's browser download)"
    return found


WAIT_FOR_IMAGES = """async () => {
    const images = [...document.images];
    for (const img of images) { img.loading = "eager"; }
    await Promise.all(images.map(img => img.decode().catch(() => null)));
    return images.map(img => ({src: img.currentSrc || img.src, width: img.naturalWidth}));
}"""
WAIT_FOR_MATH = """async () => {
    if (!window.MathJax || !MathJax.startup) { return -1; }
    await MathJax.startup.promise;
    return document.querySelectorAll("mjx-container").length;
}"""


def test_every_page_loads_its_images_and_math_from_the_book_alone(server):
    """In headless chromium: status 200, every image decoded (naturalWidth > 0), MathJax ran and
    left no raw TeX delimiters, and every request went to the book's own server."""
    from playwright.sync_api import sync_playwright

    requests: list[str] = []
    problems: list[str] = []
    with sync_playwright() as p:
        browser = p.chromium.launch(executable_path=chromium(), headless=True, args=CHROMIUM_ARGS)
        try:
            page = browser.new_page()
            page.on("request", lambda request: requests.append(request.url))
            page.on("pageerror", lambda error: None if str(error) in KNOWN_SCRIPT_ERRORS
                    else problems.append(f"script error: {error}"))
            for name in chapter_files():
                response = page.goto(f"{server}/{name}.html", wait_until="load")
                assert response is not None and response.status == 200, name
                images = page.evaluate(WAIT_FOR_IMAGES)
                broken = [i["src"] for i in images if i["width"] == 0]
                assert not broken, f"{name}: images that did not load: {broken}"
                math = page.evaluate(WAIT_FOR_MATH)  # -1: no MathJax (Sphinx adds it to pages with math only)
                text = page.inner_text("article")
                assert "\\(" not in text and "\\[" not in text, f"{name}: raw TeX left in the text"
                if name[:2].isdigit():  # every chapter has formulas and figures
                    assert math > 0, f"{name}: no typeset math (mjx-container)"
                    assert images, f"{name}: no figure"
        finally:
            browser.close()
    assert not problems, problems
    foreign = [url for url in requests
               if urlparse(url).scheme not in LOCAL_SCHEMES and urlparse(url).hostname != "127.0.0.1"]
    assert not foreign, f"requests to other hosts: {foreign}"
    assert any(url.endswith("mathjax/tex-chtml.js") for url in requests)

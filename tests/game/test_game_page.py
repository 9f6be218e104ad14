"""Can a person play both games in a real browser? Debian's headless Chromium, driven by
Playwright (the system browser as its executable: nothing downloaded), against the real server."""

from __future__ import annotations

import io
import re
import shutil
import threading
import time

import numpy as np
import pytest
from PIL import Image

from gan_course.train.monitor import free_port

# The headless flags that work on these machines (ENVIRONMENT.md); Playwright adds --headless
# and takes the profile directory as user_data_dir.
CHROMIUM_FLAGS = ["--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run", "--disable-background-networking",
                  "--disable-component-update", "--disable-sync"]
TIMEOUT_MS = 20_000


def _chromium() -> str:
    path = shutil.which("chromium") or shutil.which("chromium-browser")
    if path is None:
        pytest.fail("the browser test needs Debian's chromium: apt-get install -y chromium (.ci/run installs it)")
    return path


@pytest.fixture
def server(app):
    """The game served by uvicorn on a free port of 127.0.0.1, in a thread; its URL."""
    import uvicorn

    port = free_port()
    server = uvicorn.Server(uvicorn.Config(app, host="127.0.0.1", port=port, log_level="warning"))
    thread = threading.Thread(target=server.run, daemon=True)
    thread.start()
    deadline = time.monotonic() + 20
    while not server.started:
        assert time.monotonic() < deadline and thread.is_alive(), "uvicorn did not start"
        time.sleep(0.05)
    yield f"http://127.0.0.1:{port}/"
    server.should_exit = True
    thread.join(timeout=10)


@pytest.fixture
def page(server, tmp_path):
    from playwright.sync_api import sync_playwright

    with sync_playwright() as playwright:
        context = playwright.chromium.launch_persistent_context(
            str(tmp_path / "chromium-profile"), executable_path=_chromium(), headless=True, args=CHROMIUM_FLAGS)
        try:
            page = context.pages[0] if context.pages else context.new_page()
            page.set_default_timeout(TIMEOUT_MS)
            errors: list[str] = []
            page.on("pageerror", lambda error: errors.append(str(error)))
            page.goto(server)
            page.wait_for_selector("body[data-ready=true]")
            yield page
            assert errors == [], f"JavaScript errors: {errors}"
        finally:
            context.close()


def test_draw_a_stroke_submit_and_see_the_score_and_rank(page):
    page.select_option("#draw-class", "1")  # Trouser
    box = page.locator("#draw-canvas").bounding_box()
    page.mouse.move(box["x"] + 0.45 * box["width"], box["y"] + 0.15 * box["height"])
    page.mouse.down()
    for k in range(1, 11):  # a vertical stroke down the middle
        page.mouse.move(box["x"] + 0.45 * box["width"], box["y"] + (0.15 + 0.07 * k) * box["height"])
    page.mouse.up()
    png = page.evaluate("async () => Array.from(new Uint8Array(await (await downsampled()).arrayBuffer()))")
    sent = np.asarray(Image.open(io.BytesIO(bytes(png))).convert("L"))  # what Submit sends
    assert sent.shape == (28, 28)
    column = sent[:, 11:15].max(axis=1)  # the stroke, downsampled 10x: x = 0.45 * 28 = 12.6
    assert column[6:19].min() > 128 and sent[:, :8].max() < 16 and sent[:, 20:].max() < 16
    with page.expect_request("**/api/draw?*") as request:
        page.click("#draw-submit")
    assert "label=1" in request.value.url
    page.wait_for_selector("#draw-result:not([hidden])")
    assert re.fullmatch(r"D says real with probability [01]\.\d{3} \(logit -?\d+\.\d\d\)", page.inner_text("#draw-score"))
    rank, of = map(int, re.fullmatch(r"(\d+) of (\d+)", page.inner_text("#draw-rank")).groups())
    assert of == 25 and 1 <= rank <= 25
    assert page.locator("#draw-samples img").count() == 24
    assert '"Trouser" samples' in page.inner_text("#draw-rank-text")
    assert page.locator("#error").is_hidden()


def test_spot_the_fake_click_images_submit_and_see_the_tally_change(page, client):
    page.click("#tab-spot")
    assert page.inner_text("#tally") == "No rounds played against this checkpoint yet."
    for rounds in (1, 2):
        page.wait_for_function("document.querySelectorAll('#spot-grid .tile').length === 12 && "
                               "!document.querySelector('#spot-submit').disabled")
        tiles = page.locator("#spot-grid .tile")
        for index in (0, 4, 7):
            tiles.nth(index).click()
        assert page.locator("#spot-grid .tile.marked").count() == 3
        page.click("#spot-submit")
        page.wait_for_selector("#spot-result:not([hidden])")
        assert re.fullmatch(r"You got \d+ of 12 right \(\d+%\); \d+ fakes? fooled you\.", page.inner_text("#spot-result"))
        assert page.locator("#spot-grid .tile.correct, #spot-grid .tile.wrong").count() == 12  # the truth is shown
        tally = page.inner_text("#tally")
        assert tally.startswith("Human fool rate for best-epoch0002:")
        assert f"over {rounds} round{'s' if rounds > 1 else ''}" in tally
        if rounds == 1:
            page.click("#spot-new")
    entry = client.get("/api/tally").json()["checkpoints"]["best-epoch0002"]
    assert entry["rounds"] == 2 and f"{round(100 * entry['fool_rate'])}%" in tally

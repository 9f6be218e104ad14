"""Does the game's API score a drawing with the run's own discriminator, judge spot-the-fake rounds
honestly, keep the fool-rate tally, and answer bad input with a clear 4xx?"""

from __future__ import annotations

import base64
import io
import json

import numpy as np
import pytest
import torch
from PIL import Image

from gan_course.data import FASHION_MNIST_CLASSES, to_float
from gan_course.game.engine import FRESH_SAMPLES, MAX_FAKES, MIN_FAKES, ROUND_SIZE
from gan_course.run_dir import RunDir
from gan_course.train import load_models

from .conftest import png_bytes

PNG = {"content-type": "image/png"}


def _stroke() -> np.ndarray:
    """A 28x28 drawing: a white vertical bar (a trouser leg) on black."""
    pixels = np.zeros((28, 28), dtype=np.uint8)
    pixels[4:24, 11:16] = 255
    return pixels


def _decode(data_url: str) -> np.ndarray:
    assert data_url.startswith("data:image/png;base64,")
    return np.asarray(Image.open(io.BytesIO(base64.b64decode(data_url.split(",", 1)[1]))))


def test_info_describes_the_run_and_its_checkpoints(client):
    info = client.get("/api/info").json()
    assert info["classes"] == list(FASHION_MNIST_CLASSES) and info["conditional"] is True
    assert info["shape"] == [1, 28, 28] and info["score"] == "probability"  # BCE: D outputs logits
    assert [(c["name"], c["epoch"], c["step"]) for c in info["checkpoints"]] == [("best", 2, 8), ("latest", 2, 8)]
    assert info["default_checkpoint"] == "best" and info["round_size"] == ROUND_SIZE


def test_a_drawing_gets_the_discriminators_score_and_its_rank(client, run_dir):
    response = client.post("/api/draw?label=1", content=png_bytes(_stroke()), headers=PNG)
    assert response.status_code == 200, response.text
    result = response.json()
    _, D, _ = load_models(run_dir / "checkpoints" / "best.pt", device="cpu")
    with torch.no_grad():
        expected = D(to_float(torch.from_numpy(_stroke())[None, None]), torch.tensor([1]))  # (1,)
    assert result["score"] == pytest.approx(float(expected[0]), abs=1e-5)
    assert result["probability"] == pytest.approx(float(torch.sigmoid(expected[0])), abs=1e-6)
    scores = [s["score"] for s in result["samples"]]
    assert len(scores) == FRESH_SAMPLES and scores == sorted(scores, reverse=True)  # best first
    assert result["rank"] == 1 + sum(s > result["score"] for s in scores) and result["of"] == FRESH_SAMPLES + 1
    assert result["class_name"] == "Trouser" and result["checkpoint"] == "best"
    assert all(_decode(s["image"]).shape == (28, 28) for s in result["samples"])
    assert all(s["probability"] == pytest.approx(1 / (1 + np.exp(-s["score"])), abs=1e-6) for s in result["samples"])


def test_transparent_and_colour_drawings_mean_the_same_as_grey_ones(client):
    def score(body: bytes) -> float:
        response = client.post("/api/draw?label=4", content=body, headers=PNG)
        assert response.status_code == 200, response.text
        return response.json()["score"]

    grey = score(png_bytes(_stroke()))
    assert score(png_bytes(np.repeat(_stroke()[..., None], 3, axis=2))) == pytest.approx(grey, abs=1e-6)
    invisible = np.full((28, 28, 4), 255, dtype=np.uint8)
    invisible[..., 3] = 0  # white but fully transparent: black, like the empty canvas
    assert score(png_bytes(invisible)) == pytest.approx(score(png_bytes(np.zeros((28, 28), np.uint8))), abs=1e-6)


def _truncated_png() -> bytes:
    noise = np.random.default_rng(0).integers(0, 256, (28, 28), dtype=np.uint8)
    return png_bytes(noise)[:60]  # the header (and the size) survive, the pixels do not


@pytest.mark.parametrize("case, query, body, status, fragment", [
    ("not an image", "label=1", b"hello, not a picture", 415, "not an image"),
    ("empty body", "label=1", b"", 400, "empty body"),
    ("wrong size", "label=1", png_bytes(np.zeros((28, 27), np.uint8)), 422, "27x28 pixels but the model takes 28x28"),
    ("truncated", "label=1", _truncated_png(), 415, "cannot be decoded"),
    ("huge body", "label=1", b"\x89PNG" + bytes(300_000), 413, "limit"),
    ("unknown class", "label=10", png_bytes(_stroke()), 422, "unknown class 10: this model has classes 0..9"),
    ("class not a number", "label=trousers", png_bytes(_stroke()), 422, "label"),
    ("no class", "", png_bytes(_stroke()), 422, "say which class"),
    ("unknown checkpoint", "label=1&checkpoint=epoch7", png_bytes(_stroke()), 404, "unknown checkpoint 'epoch7'"),
    ("a path as checkpoint", "label=1&checkpoint=../../../etc/passwd", png_bytes(_stroke()), 404, "this run has: best, latest"),
])
def test_bad_drawings_get_a_4xx_that_names_the_problem(client, case, query, body, status, fragment):
    response = client.post(f"/api/draw?{query}", content=body, headers=PNG)
    assert response.status_code == status, response.text
    detail = response.json()["detail"]
    assert fragment in detail and "\n" not in detail
    assert client.get("/api/info").status_code == 200  # the server carries on


def test_a_huge_body_without_a_length_is_cut_off_while_streaming(client):
    chunks = (bytes(64 * 1024) for _ in range(8))  # 512 KiB, sent chunked
    response = client.post("/api/draw?label=1", content=chunks, headers=PNG)
    assert response.status_code == 413 and "limit" in response.json()["detail"]


def _round(client, checkpoint: str | None = None) -> dict:
    response = client.get("/api/spot/round" + (f"?checkpoint={checkpoint}" if checkpoint else ""))
    assert response.status_code == 200, response.text
    return response.json()


def _answer(client, round_id: str, fakes: list[int]):
    return client.post("/api/spot/answer", json={"round": round_id, "fakes": fakes})


def test_spot_the_fake_mixes_real_test_images_with_fakes_and_keeps_the_tally(client, run_dir, real_images):
    first = _round(client)
    assert len(first["images"]) == ROUND_SIZE and first["checkpoint"] == "best"
    result = _answer(client, first["round"], []).json()  # marks nothing: every fake fools the player
    truth = result["truth"]
    fakes = sum(truth)
    assert MIN_FAKES <= fakes <= MAX_FAKES
    assert (result["correct"], result["fooled"]) == (ROUND_SIZE - fakes, fakes)
    assert result["accuracy"] == pytest.approx((ROUND_SIZE - fakes) / ROUND_SIZE)
    real_set = {bytes(image) for image in real_images.data[:, 0].numpy()}
    for image, is_fake in zip(first["images"], truth):
        assert (bytes(_decode(image)) in real_set) is not is_fake  # the real ones are test images, as they are
    second = _round(client)
    result2 = _answer(client, second["round"], list(range(ROUND_SIZE))).json()  # marks everything
    fakes2 = sum(result2["truth"])
    assert (result2["correct"], result2["fooled"]) == (fakes2, 0)
    entry = result2["tally"]
    assert result2["tally_key"] == "best-epoch0002"
    assert {k: entry[k] for k in ("rounds", "fakes_shown", "fakes_missed", "reals_shown", "reals_flagged",
                                  "images_correct")} == {
        "rounds": 2, "fakes_shown": fakes + fakes2, "fakes_missed": fakes, "reals_shown": 2 * ROUND_SIZE - fakes - fakes2,
        "reals_flagged": ROUND_SIZE - fakes2, "images_correct": ROUND_SIZE - fakes + fakes2}
    assert entry["fool_rate"] == pytest.approx(fakes / (fakes + fakes2))
    on_disk = json.loads(RunDir(run_dir).tally.read_text())
    assert on_disk == client.get("/api/tally").json() and on_disk["checkpoints"]["best-epoch0002"] == entry
    assert _answer(client, second["round"], []).status_code == 404  # a round counts once


def test_each_checkpoint_has_its_own_tally(client):
    for checkpoint in ("best", "latest", "latest"):
        _answer(client, _round(client, checkpoint)["round"], [])
    tally = client.get("/api/tally").json()["checkpoints"]
    assert {key: entry["rounds"] for key, entry in tally.items()} == {"best-epoch0002": 1, "latest-epoch0002": 2}


@pytest.mark.parametrize("body, status, fragment", [
    (b"{not json", 400, "not JSON"),
    (json.dumps({"fakes": [1]}).encode(), 422, '"round"'),
    (json.dumps({"round": "ROUND", "fakes": [ROUND_SIZE]}).encode(), 422, "positions 0..11"),
    (json.dumps({"round": "ROUND", "fakes": [1, 1]}).encode(), 422, "distinct"),
    (json.dumps({"round": "ROUND", "fakes": "0,1"}).encode(), 422, "list"),
    (json.dumps({"round": "ROUND", "fakes": [True]}).encode(), 422, "list"),
    (json.dumps({"round": "no-such-round", "fakes": []}).encode(), 404, "unknown or already answered"),
])
def test_bad_answers_get_a_4xx_and_leave_the_round_open(client, body, status, fragment):
    round_id = _round(client)["round"]
    response = client.post("/api/spot/answer", content=body.replace(b"ROUND", round_id.encode()))
    assert response.status_code == status and fragment in response.json()["detail"]
    assert _answer(client, round_id, [0]).status_code == 200  # still answerable once
    assert client.get("/api/tally").json()["checkpoints"]["best-epoch0002"]["rounds"] == 1


def test_the_page_and_its_assets_are_served_locally(client):
    page = client.get("/")
    assert page.status_code == 200 and page.headers["content-type"].startswith("text/html")
    assert 'id="draw-canvas"' in page.text and "/static/game.js" in page.text
    for asset in ("game.js", "game.css"):
        response = client.get(f"/static/{asset}")
        assert response.status_code == 200 and "http://" not in response.text and "https://" not in response.text
    assert "http://" not in page.text and "https://" not in page.text  # no CDN, no external font
    assert client.get("/static/../app.py").status_code == 404
    assert client.get("/api/nothing").status_code == 404

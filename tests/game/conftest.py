"""A tiny conditional GAN run on synthetic 28x28 data (trained once, about a second), a fresh copy
of it per test, and the game's app and client on that copy."""

from __future__ import annotations

import io
import shutil
import warnings

import pytest
from PIL import Image

from gan_course.data import synthetic_like
from gan_course.train import TrainConfig, train

TINY_CGAN = dict(model="cgan", dataset="fashion-mnist", width=8, latent_dim=8, batch_size=16, epochs=2,
                 progress=False, threads=1, tensorboard=False, log_every=1, sample_every=100, grid_size=16)


@pytest.fixture(scope="session")
def trained_run(tmp_path_factory):
    """The template run: never played on (tests copy it)."""
    out = tmp_path_factory.mktemp("game_runs")
    result = train(TrainConfig(out_dir=str(out), name="tiny-cgan", **TINY_CGAN), data=synthetic_like("fashion-mnist", n=64))
    return result.run_dir


@pytest.fixture
def run_dir(trained_run, tmp_path):
    """A private copy of the tiny run: each test starts with no tally."""
    return shutil.copytree(trained_run, tmp_path / "runs" / "tiny-cgan")


@pytest.fixture(scope="session")
def real_images():
    """The 'real test images' of spot-the-fake: synthetic images of another seed."""
    return synthetic_like("fashion-mnist", n=64, seed=1)


@pytest.fixture
def app(run_dir, real_images):
    from gan_course.game import create_app

    return create_app(run_dir, real=real_images, seed=0)


@pytest.fixture
def client(app):
    with warnings.catch_warnings():  # starlette asks for httpx2; httpx works the same here
        warnings.filterwarnings("ignore", message="Using `httpx` with `starlette.testclient`")
        from fastapi.testclient import TestClient

    with TestClient(app) as test_client:
        yield test_client


def png_bytes(pixels) -> bytes:
    """A PNG of a uint8 array: (H, W) grey, (H, W, 3) RGB or (H, W, 4) RGBA."""
    buffer = io.BytesIO()
    Image.fromarray(pixels).save(buffer, format="PNG")
    return buffer.getvalue()

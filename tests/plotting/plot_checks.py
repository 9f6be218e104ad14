"""Helpers for the plotting tests: read a saved figure back, find artists by gid."""

from __future__ import annotations

import numpy as np
from PIL import Image

TEST_DPI = 20  # tiny PNGs keep the tests fast


def read_png(path, fig=None, dpi=TEST_DPI) -> np.ndarray:
    """(H, W, 3) uint8 pixels of the PNG at ``path``, after checking that it is a PNG and, when
    ``fig`` is given, that its pixel size is the figure's size in inches times ``dpi``."""
    with Image.open(path) as image:
        assert image.format == "PNG"
        if fig is not None:
            width, height = fig.get_size_inches() * dpi
            assert image.size == (round(width), round(height))
        return np.asarray(image.convert("RGB"))


def by_gid(artists, gid):
    """The one artist among ``artists`` whose gid is ``gid``."""
    found = [a for a in artists if a.get_gid() == gid]
    assert len(found) == 1, f"expected one artist with gid {gid!r}, found {[a.get_gid() for a in artists]}"
    return found[0]


def gids(artists) -> set:
    """The gids of ``artists`` (None dropped)."""
    return {a.get_gid() for a in artists} - {None}

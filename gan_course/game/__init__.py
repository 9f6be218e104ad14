"""The human-vs-GAN game: ``gan-course game --run RUN_DIR`` serves a page with two modes.

- Draw: draw an item on a canvas; the discriminator scores it beside fresh generator samples
  of the same class, and the page shows where the drawing ranks among them.
- Spot the fake: mark the generated images in a grid of real and generated ones; the page
  shows the accuracy and the running human fool rate per checkpoint (``RUN_DIR/game/tally.json``).

| module      | contents                                                          |
|-------------|-------------------------------------------------------------------|
| ``engine``  | GameEngine: checkpoints, scoring a drawing, rounds (no HTTP)      |
| ``tally``   | Tally: the fool-rate file, locked and written atomically          |
| ``app``     | create_app(run_dir): the FastAPI app and its JSON API             |
| ``static/`` | index.html, game.js, game.css (package data; nothing from a CDN)  |
"""

from __future__ import annotations


def create_app(run_dir, **kwargs):
    """The game's FastAPI app for ``run_dir``; see :func:`gan_course.game.app.create_app`."""
    from .app import create_app as _create_app

    return _create_app(run_dir, **kwargs)


__all__ = ["create_app"]

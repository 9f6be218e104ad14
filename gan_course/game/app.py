"""The game's web server: a FastAPI app over :class:`~gan_course.game.engine.GameEngine`.

``create_app(run_dir)`` serves one run. The page (``static/index.html``, ``game.js``,
``game.css``: plain HTML, JavaScript and CSS shipped as package data, nothing from a CDN)
talks to a small JSON API:

| route                    | what                                                            |
|--------------------------|-----------------------------------------------------------------|
| ``GET /``                | the page                                                        |
| ``GET /api/info``        | the run: classes, image shape, checkpoints, what the score means |
| ``POST /api/draw``       | body: the drawing as a PNG of the model's size (28x28 for Fashion-MNIST); query ``label``, ``checkpoint`` -> D's score, fresh samples' scores, rank |
| ``GET /api/spot/round``  | query ``checkpoint`` -> a round id and ROUND_SIZE images (data URLs) |
| ``POST /api/spot/answer``| body ``{"round": id, "fakes": [positions]}`` -> accuracy, truth, the checkpoint's tally |
| ``GET /api/tally``       | the whole ``RUN_DIR/game/tally.json``                           |

Bad input is answered with a 4xx status and ``{"detail": "<one line naming the fix>"}``:
400 (empty or malformed body), 404 (unknown checkpoint or round), 413 (body over
``max_body`` bytes, refused before it is read), 415 (not an image), 422 (wrong image size,
unknown class, bad query or fields). The only file the server writes is the tally, inside the
run directory; no request names a path.
"""

from __future__ import annotations

import io
import json
from pathlib import Path

import torch
from fastapi import FastAPI, Request
from fastapi.exceptions import RequestValidationError
from fastapi.responses import FileResponse, JSONResponse
from fastapi.staticfiles import StaticFiles
from starlette.concurrency import run_in_threadpool

from ..errors import GanCourseError
from .engine import FRESH_SAMPLES, ROUND_SIZE, GameEngine, GameError

STATIC_DIR = Path(__file__).resolve().parent / "static"
MAX_BODY_BYTES = 256 * 1024  # a 28x28 PNG is under 1 KiB; a 64x64 RGB one under 16 KiB


def decode_drawing(body: bytes, shape: tuple[int, int, int]) -> torch.Tensor:
    """An uploaded image -> uint8 (C, H, W) of ``shape``; GameError for anything else.

    Transparent pixels count as black (the page draws white strokes on black). The size is
    read from the header and checked before any pixel is decoded.
    """
    import numpy as np
    from PIL import Image, UnidentifiedImageError

    channels, height, width = shape
    if not body:
        raise GameError(400, "empty body: POST the drawing as a PNG image (Content-Type: image/png)")
    try:
        picture = Image.open(io.BytesIO(body))
    except (UnidentifiedImageError, OSError, ValueError) as error:
        raise GameError(415, f"the body is not an image ({type(error).__name__}); send the drawing as a "
                             f"{width}x{height} PNG") from None
    if picture.size != (width, height):
        raise GameError(422, f"the drawing is {picture.size[0]}x{picture.size[1]} pixels but the model takes "
                             f"{width}x{height}: downsample it to {width}x{height} before sending")
    try:
        picture.load()
    except Exception as error:  # PIL raises many types for a truncated or corrupt file
        raise GameError(415, f"the image cannot be decoded ({type(error).__name__}); send a complete PNG") from None
    if picture.mode in ("RGBA", "LA", "PA") or "transparency" in picture.info:
        black = Image.new("RGBA", picture.size, (0, 0, 0, 255))
        picture = Image.alpha_composite(black, picture.convert("RGBA"))
    array = np.asarray(picture.convert("L" if channels == 1 else "RGB"), dtype=np.uint8)  # (H, W) or (H, W, 3)
    tensor = torch.from_numpy(array.copy())
    return tensor.unsqueeze(0) if channels == 1 else tensor.permute(2, 0, 1).contiguous()  # (C, H, W)


async def read_body(request: Request, limit: int) -> bytes:
    """The request body, refused with 413 past ``limit`` bytes (by Content-Length, or while streaming)."""
    declared = request.headers.get("content-length")
    too_big = f"request body over the {limit}-byte limit; send the drawing at the model's size as PNG"
    if declared is not None:
        try:
            length = int(declared)
        except ValueError:
            raise GameError(400, f"Content-Length {declared[:20]!r} is not a number") from None
        if length > limit:
            raise GameError(413, too_big)
    body = bytearray()
    async for chunk in request.stream():
        body += chunk
        if len(body) > limit:
            raise GameError(413, too_big)
    return bytes(body)


def _validation_message(error: RequestValidationError) -> str:
    parts = []
    for problem in error.errors():
        where = ".".join(str(part) for part in problem.get("loc", ()) if part not in ("query", "body"))
        parts.append(f"{where or 'request'}: {problem.get('msg', 'invalid')}")
    return "; ".join(parts) + " (see GET /api/info for the classes and checkpoints)"


def create_app(run_dir: str | Path, *, real=None, checkpoint: str | None = None, seed: int | None = None,
               max_body: int = MAX_BODY_BYTES) -> FastAPI:
    """The game for ``run_dir`` (see the module docstring and :class:`GameEngine`).

    Raises CheckpointError / ConfigError / DatasetNotFoundError at once for a directory that is
    not a run of an image model, or whose real test images cannot be loaded (pass ``real``).
    """
    engine = GameEngine(run_dir, real=real, checkpoint=checkpoint, seed=seed)
    app = FastAPI(title="gan-course game", docs_url=None, redoc_url=None, openapi_url=None)
    app.state.engine = engine

    @app.exception_handler(GameError)
    async def game_error(request: Request, error: GameError):
        return JSONResponse({"detail": str(error)}, status_code=error.status)

    @app.exception_handler(RequestValidationError)
    async def validation_error(request: Request, error: RequestValidationError):
        return JSONResponse({"detail": _validation_message(error)}, status_code=422)

    @app.exception_handler(GanCourseError)
    async def run_error(request: Request, error: GanCourseError):  # e.g. a checkpoint replaced by a broken file
        return JSONResponse({"detail": str(error)}, status_code=503)

    @app.get("/", include_in_schema=False)
    async def page():
        return FileResponse(STATIC_DIR / "index.html", media_type="text/html")

    app.mount("/static", StaticFiles(directory=STATIC_DIR), name="static")

    @app.get("/api/info")
    async def info():
        c = engine.config
        return {"run": engine.run_dir.name, "model": c.model, "dataset": c.dataset, "loss": c.loss,
                "shape": list(engine.shape), "classes": engine.class_names, "conditional": engine.num_classes > 0,
                "checkpoints": await run_in_threadpool(engine.checkpoints),
                "default_checkpoint": engine.default_checkpoint,
                "score": "probability" if engine.loss.outputs_are_logits else "critic score",
                "fresh_samples": FRESH_SAMPLES, "round_size": ROUND_SIZE, "max_body": max_body}

    @app.post("/api/draw")
    async def draw(request: Request, label: int | None = None, checkpoint: str | None = None):
        body = await read_body(request, max_body)
        engine.check_label(label)  # an unknown class is refused before any decoding
        image = decode_drawing(body, engine.shape)
        return await run_in_threadpool(engine.score_drawing, image, label, checkpoint)

    @app.get("/api/spot/round")
    async def spot_round(checkpoint: str | None = None):
        return await run_in_threadpool(engine.new_round, checkpoint)

    @app.post("/api/spot/answer")
    async def spot_answer(request: Request):
        body = await read_body(request, max_body)
        try:
            answer = json.loads(body)
        except (json.JSONDecodeError, UnicodeDecodeError):
            raise GameError(400, 'the body is not JSON; send {"round": "<id>", "fakes": [positions]}') from None
        if not isinstance(answer, dict) or not isinstance(answer.get("round"), str) or "fakes" not in answer:
            raise GameError(422, 'send {"round": "<id from /api/spot/round>", "fakes": [positions marked fake]}')
        return await run_in_threadpool(engine.answer, answer["round"], answer["fakes"])

    @app.get("/api/tally")
    async def tally():
        return await run_in_threadpool(engine.tally.read)

    return app

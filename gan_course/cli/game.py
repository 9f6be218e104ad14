"""``gan-course game``: serve the human-vs-GAN game for a trained image run."""

from __future__ import annotations

import argparse
from pathlib import Path

DEFAULT_PORT = 8993
DEFAULT_HOST = "127.0.0.1"


def add_parser(subparsers) -> None:
    parser = subparsers.add_parser(
        "game",
        help="play against a trained GAN in the browser: draw for its discriminator, or spot its fakes",
        description="Serve a page with two games against a run's models: draw an item and see the "
        "discriminator's score beside fresh generator samples of the same class, or spot the "
        "generated images among real test images (the human fool rate per checkpoint is kept in "
        "RUN_DIR/game/tally.json). Everything is served locally; stop it with Ctrl-C.",
        epilog="examples:\n  gan-course game --run runs/cgan-fashion-bce\n"
        "  gan-course game --run runs/cgan-fashion-hinge --port 8994 --checkpoint latest",
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    parser.add_argument("--run", dest="run_dir", required=True, metavar="RUN_DIR",
                        help="run directory of an image model (or a run name under $GAN_COURSE_RUNS)")
    parser.add_argument("--port", type=int, default=DEFAULT_PORT, help=f"port (default {DEFAULT_PORT})")
    parser.add_argument("--host", default=DEFAULT_HOST,
                        help=f"address to listen on (default {DEFAULT_HOST}: this machine only)")
    parser.add_argument("--checkpoint", default=None, help="checkpoint offered first: best (default) or latest")
    parser.add_argument("--dry-run", action="store_true", help="load the run and check the port; serve nothing")
    parser.set_defaults(run=run)


def resolve_run(path: str) -> Path:
    """``path`` as given, or ``$GAN_COURSE_RUNS/<path>`` for a bare run name that is not a path here."""
    from gan_course import paths

    given = Path(path).expanduser()
    return given if given.exists() or given.is_absolute() else paths.runs_dir() / given


def run(args: argparse.Namespace) -> int:
    from gan_course.errors import ConfigError
    from gan_course.game import create_app
    from gan_course.train.monitor import port_is_free

    if not 1 <= args.port <= 65535:
        raise ConfigError(f"--port must be a TCP port in 1..65535, got {args.port}; e.g. --port {DEFAULT_PORT}")
    if not port_is_free(args.port, args.host):
        raise ConfigError(f"port {args.port} on {args.host} is already in use; pass another one, e.g. --port {args.port + 1}")
    app = create_app(resolve_run(args.run_dir), checkpoint=args.checkpoint)
    engine = app.state.engine
    url = f"http://{args.host}:{args.port}/"
    print(f"run {engine.run_dir}: {engine.config.model} on {engine.config.dataset}, checkpoints "
          f"{', '.join(engine.checkpoint_names())}; {len(engine.real)} real images; tally {engine.tally.path}")
    if args.dry_run:
        print(f"dry run: the game would be served at {url}")
        return 0
    import uvicorn

    print(f"game: {url} (Ctrl-C stops it)", flush=True)
    uvicorn.run(app, host=args.host, port=args.port, log_level="warning")
    return 0

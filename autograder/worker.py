"""The program that runs inside the sandbox, next to a student's code.

The grader (:mod:`autograder.sandbox`) starts it as ``python -I -B worker.py CMD_FD RES_FD
LIMITS_JSON`` and talks to it over two dedicated pipes, never over stdout: each message is
an 8-byte big-endian length followed by its body. Commands (made by the grader) are
``torch.save`` payloads; replies are *not* pickles: they go through the reply codec of the
harness (:mod:`gan_course.course.harness.reply`, which ``gan-course check`` applies too), a JSON
tree plus raw tensor bytes that the grader decodes with bounded work. The worker

1. lowers its resource limits (address space, file size, processes, core dumps) before it
   imports anything heavy, so no student code ever runs without them;
2. imports torch and the probe harness (:mod:`gan_course.course.harness`, bound beside this
   file as the top-level package ``course_harness``), says ``ready``, then points stdout and stderr
   at ``/dev/null`` (gigabytes of student output cost nothing);
3. answers commands: ``exec`` one cell's code in the shared notebook namespace, ``probe`` a
   graded function with :func:`gan_course.course.harness.run_probe`, ``exit``.

Replies hold plain data only (tensors, numbers, strings, lists, dicts): the grader decodes
them with :func:`gan_course.course.harness.reply.read_reply` and judges them in its own process. Nothing here knows
an expected answer. This file imports only the standard library, torch and the harness.
"""

from __future__ import annotations

import json
import os
import resource
import signal
import sys

MAX_TEXT = 2000  # characters of an error message sent back
MAX_NAME = 200  # characters of an exception type name sent back
HARNESS_PACKAGE = "course_harness"  # the name gan_course/course/harness/ has next to this file


REPLY_NAMES = frozenset({  # the reply codec's names, still readable as autograder.worker.<name>
    "HEADER", "REPLY_MAGIC", "MAX_MESSAGE_BYTES", "MAX_REPLY_JSON_BYTES", "MAX_REPLY_ELEMENTS", "MAX_REPLY_DEPTH",
    "TENSOR_KEY", "REPLY_DTYPES", "ReplyError", "encode_reply", "decode_reply", "read_reply", "plain_results",
})


def _harness(module: str):
    """A module of the probe harness: ``course_harness.<module>`` beside this file when it runs
    in the sandbox (imported only after the limits are set: the harness imports torch), the
    library's ``gan_course.course.harness.<module>`` when the grader imports this file."""
    import importlib

    package = HARNESS_PACKAGE if __name__ == "__main__" else "gan_course.course.harness"
    return importlib.import_module(f"{package}.{module}")


def __getattr__(name: str):
    if name in REPLY_NAMES:
        return getattr(_harness("reply"), name)
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")


# --- framing (also imported by the grader) -------------------------------------------------


def encode(obj) -> bytes:
    """One framed message: length prefix + ``torch.save`` bytes."""
    import io

    import torch

    buffer = io.BytesIO()
    torch.save(obj, buffer)
    data = buffer.getvalue()
    return _harness("reply").HEADER.pack(len(data)) + data


def read_exact(fd: int, n: int) -> bytes:
    chunks, left = [], n
    while left:
        chunk = os.read(fd, min(left, 1 << 20))
        if not chunk:
            raise EOFError("the grader closed the command pipe")
        chunks.append(chunk)
        left -= len(chunk)
    return b"".join(chunks)


def receive(fd: int):
    """The next command from the grader (trusted: the grader built it)."""
    import io

    import torch

    header = _harness("reply").HEADER
    (length,) = header.unpack(read_exact(fd, header.size))
    return torch.load(io.BytesIO(read_exact(fd, length)), weights_only=False)


def send(fd: int, obj) -> None:
    data = _harness("reply").encode_reply(obj)
    view = memoryview(data)
    while view:
        written = os.write(fd, view)
        view = view[written:]


# --- limits --------------------------------------------------------------------------------


def apply_limits(limits: dict) -> None:
    """Lower soft and hard limits so that student code cannot raise them again."""
    names = {
        "memory_bytes": resource.RLIMIT_AS,
        "file_bytes": resource.RLIMIT_FSIZE,
        "processes": resource.RLIMIT_NPROC,
        "core_bytes": resource.RLIMIT_CORE,
    }
    for key, which in names.items():
        value = limits.get(key)
        if value is None:
            continue
        try:
            resource.setrlimit(which, (int(value), int(value)))
        except (ValueError, OSError):  # e.g. already lower than asked: keep the lower one
            pass
    # Writing past RLIMIT_FSIZE raises OSError(EFBIG) in the cell instead of killing us.
    signal.signal(signal.SIGXFSZ, signal.SIG_IGN)


# --- the notebook namespace ----------------------------------------------------------------


def _cells():
    """The harness's cell runner (``gan_course/course/harness/cells.py``, bound beside this file):
    ``gan-course check`` runs a student's cells with the same code."""
    return _harness("cells")


def new_namespace() -> dict:
    return _cells().new_namespace()


def execute(namespace: dict, name: str, code: str) -> dict:
    """Compile and run one cell; never raises."""
    return _cells().execute(namespace, name, code)


def probe(namespace: dict, function: str, probes: list) -> dict:
    return {"results": _harness("reply").plain_results(_cells().run_probes(namespace, function, probes))}


def cpu_seconds() -> float:
    """CPU time of this process and its waited-for children (for the grader's accounting)."""
    own, children = resource.getrusage(resource.RUSAGE_SELF), resource.getrusage(resource.RUSAGE_CHILDREN)
    return float(own.ru_utime + own.ru_stime + children.ru_utime + children.ru_stime)


def serve(cmd_fd: int, res_fd: int) -> None:
    namespace = new_namespace()
    while True:
        try:
            command = receive(cmd_fd)
        except EOFError:
            return
        op = command.get("op")
        if op == "exec":
            reply = execute(namespace, command["name"], command["code"])
        elif op == "probe":
            reply = probe(namespace, command["function"], command["probes"])
        elif op == "exit":
            send(res_fd, {"cpu_seconds": cpu_seconds()})
            os._exit(0)  # nothing to keep; tearing down an interpreter with torch takes seconds
        else:
            reply = {"ok": False, "kind": "protocol", "message": f"unknown command {op!r}"}
        try:
            send(res_fd, reply)
        except Exception as error:  # noqa: BLE001 - e.g. a result torch.save cannot write
            send(res_fd, {"ok": False, "kind": "unreadable", "type": type(error).__name__[:MAX_NAME], "message": str(error)[:MAX_TEXT]})


def main(argv: list[str]) -> int:
    cmd_fd, res_fd = int(argv[1]), int(argv[2])
    apply_limits(json.loads(argv[3]) if len(argv) > 3 else {})
    os.set_inheritable(cmd_fd, False)
    os.set_inheritable(res_fd, False)
    # -I leaves the script's directory off sys.path; the harness package sits beside us.
    sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
    import torch  # noqa: F401 - import before reporting ready: a failure shows on stderr

    torch.set_num_threads(1)
    import importlib

    importlib.import_module(HARNESS_PACKAGE)

    send(res_fd, {"ready": True, "python": sys.version.split()[0], "torch": str(torch.__version__)})
    devnull = os.open(os.devnull, os.O_RDWR)
    for fd in (0, 1, 2):
        os.dup2(devnull, fd)
    serve(cmd_fd, res_fd)
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv))

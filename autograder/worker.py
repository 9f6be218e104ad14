"""The program that runs inside the sandbox, next to a student's code.

The grader (:mod:`autograder.sandbox`) starts it as ``python -I -B worker.py CMD_FD RES_FD
LIMITS_JSON`` and talks to it over two dedicated pipes, never over stdout: each message is
an 8-byte big-endian length followed by a ``torch.save`` payload. The worker

1. lowers its resource limits (address space, file size, processes, core dumps) before it
   imports anything heavy, so no student code ever runs without them;
2. imports torch and :mod:`autograder.harness`, says ``ready``, then points stdout and stderr
   at ``/dev/null`` (gigabytes of student output cost nothing);
3. answers commands: ``exec`` one cell's code in the shared notebook namespace, ``probe`` a
   graded function with :func:`autograder.harness.run_probe`, ``exit``.

Replies hold plain data only (tensors, numbers, strings, lists, dicts): the grader reads them
with ``torch.load(weights_only=True)`` and judges them in its own process. Nothing here knows
an expected answer. This file imports only the standard library, torch and the harness.
"""

from __future__ import annotations

import json
import os
import resource
import signal
import struct
import sys

HEADER = struct.Struct(">Q")  # length prefix of every message
MAX_MESSAGE_BYTES = 256 * 1024 * 1024  # a reply larger than this is refused by the grader too
MAX_TEXT = 2000  # characters of an error message sent back
MEMORY_MARKERS = ("can't allocate memory", "cannot allocate memory", "not enough memory", "out of memory")


# --- framing (also imported by the grader) -------------------------------------------------


def encode(obj) -> bytes:
    """One framed message: length prefix + ``torch.save`` bytes."""
    import io

    import torch

    buffer = io.BytesIO()
    torch.save(obj, buffer)
    data = buffer.getvalue()
    return HEADER.pack(len(data)) + data


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

    (length,) = HEADER.unpack(read_exact(fd, HEADER.size))
    return torch.load(io.BytesIO(read_exact(fd, length)), weights_only=False)


def send(fd: int, obj) -> None:
    data = encode(obj)
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


class Shell:
    """Stands in for ``get_ipython()``: line magics and shell escapes do nothing here, and a
    cell magic such as ``%%time`` runs its body. Input transformers have no effect: the
    grader turned magics into calls before sending the code, and each cell is compiled
    here on its own."""

    def __init__(self, namespace: dict):
        self._namespace = namespace
        self.input_transformers_cleanup: list = []
        self.input_transformers_post: list = []
        self.user_ns = namespace

    def run_line_magic(self, *args, **kwargs):
        return None

    def run_cell_magic(self, name, line, cell):
        if name in {"time", "capture", "timeit"}:
            exec(compile(cell, f"<%%{name} cell>", "exec"), self._namespace)
        return None

    def system(self, *args, **kwargs):
        return None

    getoutput = system

    def __getattr__(self, name):
        raise AttributeError(f"get_ipython().{name} is not available when the autograder runs your code")


def new_namespace() -> dict:
    import builtins

    namespace = {"__name__": "__main__", "__builtins__": builtins}
    namespace["get_ipython"] = lambda: shell
    namespace["display"] = lambda *args, **kwargs: None
    shell = Shell(namespace)
    return namespace


def describe_error(error: BaseException, *, syntax: bool = False) -> dict:
    message = str(error)[:MAX_TEXT]
    kind = "syntax_error" if syntax else "error"
    if isinstance(error, MemoryError) or any(m in message.lower() for m in MEMORY_MARKERS):
        kind = "memory"
    result = {"ok": False, "kind": kind, "type": type(error).__name__, "message": message}
    if isinstance(error, ImportError):
        result["module"] = str(getattr(error, "name", "") or "")
    if isinstance(error, SyntaxError):
        result["lineno"] = int(error.lineno or 0)
    return result


def execute(namespace: dict, name: str, code: str) -> dict:
    """Compile and run one cell; never raises."""
    try:
        compiled = compile(code, f"<cell {name}>", "exec")
    except BaseException as error:  # noqa: BLE001 - SyntaxError, ValueError (null bytes), RecursionError
        return describe_error(error, syntax=True)
    try:
        exec(compiled, namespace)
    except BaseException as error:  # noqa: BLE001 - SystemExit and KeyboardInterrupt included
        return describe_error(error)
    return {"ok": True}


def plain_results(results):
    """Tensors of a subclass become plain tensors, so the grader can load them safely."""
    import torch

    if isinstance(results, torch.Tensor):
        return results.as_subclass(torch.Tensor) if type(results) is not torch.Tensor else results
    if isinstance(results, list):
        return [plain_results(r) for r in results]
    if isinstance(results, dict):
        return {k: plain_results(v) for k, v in results.items()}
    return results


def probe(namespace: dict, function: str, probes: list) -> dict:
    from autograder import harness

    results = []
    for harness_name, payload in probes:
        result = harness.run_probe(namespace, function, harness_name, payload)
        if not result.get("ok") and result.get("kind") == "error":
            text = f"{result.get('type', '')} {result.get('message', '')}".lower()
            if result.get("type") == "MemoryError" or any(m in text for m in MEMORY_MARKERS):
                result["kind"] = "memory"
        results.append(result)
    return {"results": plain_results(results)}


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
            send(res_fd, {"ok": False, "kind": "unreadable", "type": type(error).__name__, "message": str(error)[:MAX_TEXT]})


def main(argv: list[str]) -> int:
    cmd_fd, res_fd = int(argv[1]), int(argv[2])
    apply_limits(json.loads(argv[3]) if len(argv) > 3 else {})
    os.set_inheritable(cmd_fd, False)
    os.set_inheritable(res_fd, False)
    # -I leaves the script's directory off sys.path; the harness package sits beside us.
    sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
    import torch  # noqa: F401 - import before reporting ready: a failure shows on stderr

    torch.set_num_threads(1)
    from autograder import harness  # noqa: F401

    send(res_fd, {"ready": True, "python": sys.version.split()[0], "torch": str(torch.__version__)})
    devnull = os.open(os.devnull, os.O_RDWR)
    for fd in (0, 1, 2):
        os.dup2(devnull, fd)
    serve(cmd_fd, res_fd)
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv))

"""The program that runs inside the sandbox, next to a student's code.

The grader (:mod:`autograder.sandbox`) starts it as ``python -I -B worker.py CMD_FD RES_FD
LIMITS_JSON`` and talks to it over two dedicated pipes, never over stdout: each message is
an 8-byte big-endian length followed by its body. Commands (made by the grader) are
``torch.save`` payloads; replies are *not* pickles: :func:`encode_reply` writes a JSON tree
(numbers, strings, lists, dicts) in which each tensor is a reference to raw contiguous bytes
that follow it, and :func:`decode_reply` reads it back with bounded work -- a C-speed
``json.loads`` of at most ``max_json_bytes``, one ``frombuffer`` per tensor, and a cap on the
total number of tensor elements -- so no reply can make the grader run an unpickler or
materialise a huge stride-0 view. The worker

1. lowers its resource limits (address space, file size, processes, core dumps) before it
   imports anything heavy, so no student code ever runs without them;
2. imports torch and the probe harness (:mod:`gan_course.course.harness`, bound beside this
   file as the top-level package ``course_harness``), says ``ready``, then points stdout and stderr
   at ``/dev/null`` (gigabytes of student output cost nothing);
3. answers commands: ``exec`` one cell's code in the shared notebook namespace, ``probe`` a
   graded function with :func:`gan_course.course.harness.run_probe`, ``exit``.

Replies hold plain data only (tensors, numbers, strings, lists, dicts): the grader decodes
them with :func:`decode_reply` and judges them in its own process. Nothing here knows
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
REPLY_MAGIC = b"GCR1"  # first bytes of a reply body: JSON tree + raw tensor bytes
MAX_MESSAGE_BYTES = 32 * 1024 * 1024  # a reply larger than this is refused (honest replies: < 1 MiB)
MAX_REPLY_JSON_BYTES = 1024 * 1024  # the JSON part of a reply (honest: < 16 KiB)
MAX_REPLY_ELEMENTS = 4 * 1024 * 1024  # tensor elements in one reply (honest: < 250,000; 32 MiB as float64)
MAX_REPLY_DEPTH = 64  # nesting of lists and dicts in a reply
MAX_TEXT = 2000  # characters of an error message sent back
MAX_NAME = 200  # characters of an exception type name sent back
TENSOR_KEY = "\x00t"  # a dict {TENSOR_KEY: [dtype, shape, offset, nbytes]} is a tensor reference
REPLY_DTYPES = (
    "float16", "bfloat16", "float32", "float64", "complex64", "complex128",
    "uint8", "int8", "int16", "int32", "int64", "bool",
)
HARNESS_PACKAGE = "course_harness"  # the name gan_course/course/harness/ has next to this file


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


def _reply_tree(obj, buffers: list, state: dict, depth: int = 0):
    """``obj`` as a JSON-able tree; tensors become references into ``buffers``."""
    import torch

    if depth > MAX_REPLY_DEPTH:
        raise ValueError("the reply is nested too deeply")
    if isinstance(obj, torch.Tensor):
        tensor = torch.Tensor.as_subclass(obj, torch.Tensor).detach()
        if tensor.layout != torch.strided:
            tensor = tensor.to_dense()
        tensor = tensor.to("cpu").contiguous()
        dtype = str(tensor.dtype).removeprefix("torch.")
        if dtype not in REPLY_DTYPES:
            raise TypeError(f"a tensor of dtype {dtype}, which the grader does not read")
        raw = tensor.reshape(-1).view(torch.uint8).numpy().tobytes() if tensor.numel() else b""
        reference = {TENSOR_KEY: [dtype, [int(n) for n in tensor.shape], state["offset"], len(raw)]}
        buffers.append(raw)
        state["offset"] += len(raw)
        return reference
    if obj is None or type(obj) in (bool, int, float, str):
        return obj
    if isinstance(obj, (list, tuple)):
        return [_reply_tree(v, buffers, state, depth + 1) for v in obj]
    if isinstance(obj, dict):
        return {("\x00" + k if k.startswith("\x00") else k): _reply_tree(v, buffers, state, depth + 1)
                for k, v in ((str(key), value) for key, value in obj.items())}
    for plain in (bool, int, float, str):
        if isinstance(obj, plain):
            return plain(obj)
    raise TypeError(f"a {type(obj).__name__}, which the grader does not read")


def encode_reply(obj) -> bytes:
    """One framed reply: length prefix + REPLY_MAGIC + JSON length + JSON + tensor bytes."""
    buffers: list[bytes] = []
    tree = _reply_tree(obj, buffers, {"offset": 0})
    text = json.dumps(tree, ensure_ascii=True, separators=(",", ":")).encode("ascii")
    body = b"".join([REPLY_MAGIC, HEADER.pack(len(text)), text, *buffers])
    return HEADER.pack(len(body)) + body


class ReplyError(ValueError):
    """A reply the grader refuses: malformed, too large, too deep, or too slow to decode."""


def decode_reply(body: bytes, *, max_json_bytes: int = MAX_REPLY_JSON_BYTES, max_elements: int = MAX_REPLY_ELEMENTS,
                 deadline: float | None = None):
    """The plain data of a reply body (grader side). Work is linear in ``len(body)`` with a
    C-speed JSON parser; raises ReplyError for anything out of bounds, malformed, or past
    ``deadline`` (``time.monotonic()``)."""
    import time

    import torch

    start = len(REPLY_MAGIC) + HEADER.size
    if len(body) < start or body[: len(REPLY_MAGIC)] != REPLY_MAGIC:
        raise ReplyError("not a reply")
    (json_bytes,) = HEADER.unpack(body[len(REPLY_MAGIC):start])
    if json_bytes > max_json_bytes or start + json_bytes > len(body):
        raise ReplyError(f"a reply structure of {json_bytes} bytes (at most {max_json_bytes})")
    try:
        tree = json.loads(body[start:start + json_bytes])
    except (ValueError, RecursionError) as error:
        raise ReplyError(f"malformed reply ({type(error).__name__})") from None
    blob = memoryview(body)[start + json_bytes:]
    budget = {"elements": max_elements, "nodes": 0}

    def tensor(spec) -> torch.Tensor:
        if not (isinstance(spec, list) and len(spec) == 4 and spec[0] in REPLY_DTYPES and isinstance(spec[1], list)
                and all(type(n) is int and 0 <= n for n in spec[1]) and type(spec[2]) is int and type(spec[3]) is int):
            raise ReplyError("malformed tensor reference")
        dtype, shape, offset, nbytes = getattr(torch, spec[0]), spec[1], spec[2], spec[3]
        numel = 1
        for n in shape:
            numel *= n
            if numel > budget["elements"]:
                raise ReplyError(f"more than {max_elements} tensor elements in one reply")
        budget["elements"] -= numel
        itemsize = torch.empty((), dtype=dtype).element_size()
        if len(shape) > MAX_REPLY_DEPTH or nbytes != numel * itemsize or offset < 0 or offset + nbytes > len(blob):
            raise ReplyError("a tensor reference that does not match its bytes")
        if numel == 0:
            return torch.empty(shape, dtype=dtype)
        raw = torch.frombuffer(bytearray(blob[offset:offset + nbytes]), dtype=torch.uint8)
        return raw.view(dtype).reshape(shape)

    def walk(node, depth: int):
        budget["nodes"] += 1
        if budget["nodes"] % 4096 == 0 and deadline is not None and time.monotonic() > deadline:
            raise ReplyError("decoding the reply took too long")
        if depth > MAX_REPLY_DEPTH:
            raise ReplyError("the reply is nested too deeply")
        if isinstance(node, list):
            return [walk(v, depth + 1) for v in node]
        if isinstance(node, dict):
            if TENSOR_KEY in node:
                if len(node) != 1:
                    raise ReplyError("malformed tensor reference")
                return tensor(node[TENSOR_KEY])
            return {(k[1:] if k.startswith("\x00") else k): walk(v, depth + 1) for k, v in node.items()}
        return node

    result = walk(tree, 0)
    if deadline is not None and time.monotonic() > deadline:
        raise ReplyError("decoding the reply took too long")
    return result


def send(fd: int, obj) -> None:
    data = encode_reply(obj)
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
    import importlib

    return importlib.import_module(f"{HARNESS_PACKAGE}.cells")


def new_namespace() -> dict:
    return _cells().new_namespace()


def execute(namespace: dict, name: str, code: str) -> dict:
    """Compile and run one cell; never raises."""
    return _cells().execute(namespace, name, code)


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
    return {"results": plain_results(_cells().run_probes(namespace, function, probes))}


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

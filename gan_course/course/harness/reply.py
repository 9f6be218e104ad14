"""The reply codec: how probe results travel from student code to the judge, with the grader's bounds.

The sandboxed worker (``autograder/worker.py``) encodes every reply with :func:`encode_reply`;
the grader decodes it with :func:`read_reply` (no unpickler: a JSON tree in which each tensor is
a reference to raw contiguous bytes that follow it, read back with bounded work -- a C-speed
``json.loads`` of at most ``MAX_REPLY_JSON_BYTES``, one ``frombuffer`` per tensor, and a cap on
the total number of tensor elements -- so no reply can make the grader run an unpickler or
materialise a huge stride-0 view). A reply the grader refuses makes the function's status
``unreadable_result``.

``gan-course check`` runs the probes in the student's own process, but sends their results
through the same codec and bounds (:func:`transmit`), so a result the grader cannot read is
``unreadable_result`` in check too: one owner for the reply rules.

Runs next to student code: imports only the standard library and torch.
"""

from __future__ import annotations

import json
import struct

import torch

HEADER = struct.Struct(">Q")  # length prefix of every message (8 bytes, big-endian)
REPLY_MAGIC = b"GCR1"  # first bytes of a reply body: JSON tree + raw tensor bytes
MAX_MESSAGE_BYTES = 32 * 1024 * 1024  # a reply larger than this is refused (honest replies: < 1 MiB)
MAX_REPLY_JSON_BYTES = 1024 * 1024  # the JSON part of a reply (honest: < 16 KiB)
MAX_REPLY_ELEMENTS = 4 * 1024 * 1024  # tensor elements in one reply (honest: < 250,000; 32 MiB as float64)
MAX_REPLY_DEPTH = 64  # nesting of lists and dicts in a reply
TENSOR_KEY = "\x00t"  # a dict {TENSOR_KEY: [dtype, shape, offset, nbytes]} is a tensor reference
REPLY_DTYPES = (
    "float16", "bfloat16", "float32", "float64", "complex64", "complex128",
    "uint8", "int8", "int16", "int32", "int64", "bool",
)


class ReplyError(ValueError):
    """A reply the grader refuses: malformed, too large, too deep, or too slow to decode."""


def plain_results(results):
    """Tensors of a subclass become plain tensors, so the grader can read them."""
    if isinstance(results, torch.Tensor):
        return results.as_subclass(torch.Tensor) if type(results) is not torch.Tensor else results
    if isinstance(results, list):
        return [plain_results(r) for r in results]
    if isinstance(results, dict):
        return {k: plain_results(v) for k, v in results.items()}
    return results


def _reply_tree(obj, buffers: list, state: dict, depth: int = 0):
    """``obj`` as a JSON-able tree; tensors become references into ``buffers``."""
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


def read_reply(body: bytes, *, max_bytes: int = MAX_MESSAGE_BYTES, max_elements: int = MAX_REPLY_ELEMENTS,
               deadline: float | None = None):
    """A reply body as the grader reads it: refused (ReplyError) when longer than ``max_bytes``,
    else :func:`decode_reply`."""
    if len(body) > max_bytes:
        raise ReplyError(f"a reply of {len(body)} bytes is larger than the grader accepts")
    return decode_reply(body, max_elements=max_elements, deadline=deadline)


def probe_results(reply, count: int) -> list[dict] | None:
    """The ``count`` result dicts of a decoded probe reply, or None when it holds something else."""
    results = reply.get("results") if isinstance(reply, dict) else None
    if not isinstance(results, list) or len(results) != count or not all(isinstance(r, dict) for r in results):
        return None
    return results


def transmit(results: list, *, max_bytes: int = MAX_MESSAGE_BYTES, max_elements: int = MAX_REPLY_ELEMENTS) -> list[dict]:
    """``results`` (one dict per probe) as the grader receives them from its sandbox: encoded as
    the worker encodes its reply, read under the grader's bounds. Raises ReplyError when the
    grader would refuse them (its ``unreadable_result``)."""
    try:
        framed = encode_reply({"results": plain_results(results)})
    except Exception as error:  # noqa: BLE001 - the worker then replies "unreadable" instead
        raise ReplyError(f"the reply cannot be encoded ({type(error).__name__})") from None
    received = probe_results(read_reply(framed[HEADER.size:], max_bytes=max_bytes, max_elements=max_elements), len(results))
    if received is None:
        raise ReplyError("the reply holds no list of probe results")
    return received

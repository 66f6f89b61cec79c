"""A long-lived reference-JAX process that evaluates expressions on request.

Property tests draw thousands of small cases; starting a JAX subprocess for each would
take minutes, and jax and cellax must not share a process. So each test process starts
one server (`JaxServer`, lazily) and sends it `(source, args)` pairs over a pipe:

    server = JaxServer(x64=False)
    server.call("lambda x, y: jnp.add(x, y)", [np.ones(3, np.float32), 2.0])
    -> ("ok", [Result(value, dtype, weak_type, shape)]) or ("err", "TypeError", message)

`source` is evaluated once per server with `jax`, `jnp`, `lax` and `np` in scope; the same
source is evaluated by the tests with cellax bound to those names. Arguments and results
travel as pickles of NumPy arrays and Python scalars (bfloat16 via ml_dtypes).

Run as a script (`python tests/jax_server.py [--x64]`) it is the server: it imports only
the reference JAX, never cellax.
"""
from __future__ import annotations

import os
import pickle
import struct
import subprocess
import sys
from dataclasses import dataclass

HERE = os.path.dirname(os.path.abspath(__file__))


@dataclass
class Result:
    value: object        # np.ndarray
    dtype: str
    weak_type: bool
    shape: tuple


def _send(stream, obj) -> None:
    data = pickle.dumps(obj, protocol=pickle.HIGHEST_PROTOCOL)
    stream.write(struct.pack("<Q", len(data)))
    stream.write(data)
    stream.flush()


def _recv(stream):
    head = stream.read(8)
    if len(head) < 8:
        raise EOFError("the JAX server closed its pipe")
    (n,) = struct.unpack("<Q", head)
    return pickle.loads(stream.read(n))


def flatten_result(out, to_numpy) -> list[Result]:
    """The leaves of `out` (an array, scalar or tuple/list of them) as Results."""
    leaves = list(out) if isinstance(out, (tuple, list)) else [out]
    results = []
    for leaf in leaves:
        value = to_numpy(leaf)
        results.append(Result(value, str(value.dtype), bool(getattr(leaf, "weak_type", False)),
                              tuple(value.shape)))
    return results


class JaxServer:
    """Client side: starts `python tests/jax_server.py` on first use."""

    def __init__(self, x64: bool = False):
        self.x64 = x64
        self.proc = None

    def _start(self):
        env = dict(os.environ, JAX_PLATFORMS="cpu", TF_CPP_MIN_LOG_LEVEL="1")
        cmd = [sys.executable, os.path.join(HERE, "jax_server.py")] + (["--x64"] if self.x64
                                                                       else [])
        self.proc = subprocess.Popen(cmd, stdin=subprocess.PIPE, stdout=subprocess.PIPE,
                                     env=env)

    def call(self, source: str, args, kwargs=None):
        if self.proc is None or self.proc.poll() is not None:
            self._start()
        _send(self.proc.stdin, (source, list(args), dict(kwargs or {})))
        reply = _recv(self.proc.stdout)
        if reply[0] == "ok":  # plain tuples on the wire: the server's Result is __main__'s
            reply = ("ok", [Result(*leaf) for leaf in reply[1]])
        return reply

    def close(self):
        if self.proc is not None and self.proc.poll() is None:
            self.proc.stdin.close()
            self.proc.wait(timeout=30)
        self.proc = None


def _serve(x64: bool) -> None:
    import numpy as np

    import jax
    if x64:
        jax.config.update("jax_enable_x64", True)
    import jax.numpy as jnp
    from jax import lax

    scope = {"jax": jax, "jnp": jnp, "lax": lax, "np": np}
    funs: dict = {}
    stdin, stdout = sys.stdin.buffer, sys.stdout.buffer
    sys.stdout = sys.stderr  # nothing but replies on the pipe
    while True:
        try:
            source, args, kwargs = _recv(stdin)
        except EOFError:
            return
        try:
            fn = funs.get(source)
            if fn is None:
                fn = funs[source] = eval(source, dict(scope))  # noqa: S307 (test code)
            out = fn(*args, **kwargs)
            reply = ("ok", [(r.value, r.dtype, r.weak_type, r.shape)
                            for r in flatten_result(out, np.asarray)])
        except Exception as e:  # noqa: BLE001 (the type is the answer)
            reply = ("err", type(e).__name__, str(e))
        _send(stdout, reply)


if __name__ == "__main__":
    _serve("--x64" in sys.argv[1:])

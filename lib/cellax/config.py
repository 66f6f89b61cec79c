"""Global configuration flags (`cellax.config.update("jax_enable_x64", True)`).

Flag names follow JAX's (`jax_enable_x64`, `jax_disable_jit`); the environment
variables use the CELLAX_ prefix (`CELLAX_ENABLE_X64=1`).
"""
from __future__ import annotations

import os


def _env_flag(name: str, default: bool = False) -> bool:
    value = os.environ.get(name)
    if value is None:
        return default
    return value.strip().lower() in ("1", "true", "yes", "on")


class Config:
    def __init__(self) -> None:
        self._values = {
            "jax_enable_x64": _env_flag("CELLAX_ENABLE_X64"),
            "jax_disable_jit": _env_flag("CELLAX_DISABLE_JIT"),
            "jax_platforms": os.environ.get("CELLAX_PLATFORMS"),
            "jax_use_high_dynamic_range_gumbel": False,
        }
        self._listeners: dict[str, list] = {}

    def update(self, name: str, value) -> None:
        if name not in self._values:
            raise AttributeError(
                f"Unrecognized config option: {name!r}. Known options: {sorted(self._values)}")
        self._values[name] = value
        for listener in self._listeners.get(name, ()):
            listener(value)

    def read(self, name: str):
        return self._values[name]

    def __getattr__(self, name: str):
        values = self.__dict__.get("_values", {})
        if name in values:
            return values[name]
        raise AttributeError(name)

    def on_change(self, name: str, listener) -> None:
        self._listeners.setdefault(name, []).append(listener)
        listener(self._values[name])


config = Config()

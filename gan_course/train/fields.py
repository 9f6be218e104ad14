"""Configuration fields described once: type, help, allowed values, check and default.

Each field of :class:`~gan_course.train.config.TrainConfig` is declared with :func:`setting`,
which keeps its description in ``dataclasses.field(metadata=...)`` next to its type and
default (the pattern of StudioGAN's single config, Kang et al. 2022,
https://arxiv.org/abs/2206.09479). Everything else is generated from that one description:

- :meth:`FieldSpec.coerce`: typing a value read from YAML, a stored ``config.yaml`` or code,
  from the field's type annotation ("2e-4" -> 0.0002, ``[0.5, 0.9]`` -> ``(0.5, 0.9)``);
- :func:`check_fields`: the per-field rules (allowed names, ranges), each raising
  :class:`~gan_course.errors.ConfigError` with a one-line message that names the fix;
- the ``gan-course train`` options (:func:`gan_course.cli.train.add_config_options`): one flag
  per field, its argparse type from the annotation, its help and its shown default.

Rules between several fields (a model that needs images, a loss that needs a Lipschitz
constraint) are not one field's description; they live in
:mod:`gan_course.train.config_checks`.
"""

from __future__ import annotations

import dataclasses
import functools
import types
import typing
from dataclasses import dataclass
from typing import Any, Callable, Sequence

from ..errors import ConfigError

Check = Callable[["FieldSpec", Any, Any], "str | None"]  # (spec, value, config) -> an error message, or None
_KIND_WORDS = {int: "an integer", float: "a number", str: "a string", bool: "true or false"}


def setting(default: Any, help: str, *, flag: str | None = None, choices: Callable[[], Sequence[str]] | None = None,
            choice_name: str | None = None, normalise: Callable[[str], str] | None = None, check: Check | None = None, unset: str | None = None,
            metavar: str | tuple[str, ...] | None = None) -> Any:
    """A dataclass field with its description.

    help: what the field means (one line; the command line shows it). flag: the option's name
    (default ``--field-name``). choices: a callable returning the allowed names (looked up
    lazily, so registries stay the owners of their names); choice_name: how the error calls
    the field (default its name with spaces); normalise: maps a value to its registry key
    before the lookup (aliases). check: ``(spec, value, config) -> message or None``,
    a rule a non-None value must pass. unset: what ``None`` means, shown as the default.
    """
    return dataclasses.field(default=default, metadata={
        "help": help, "flag": flag, "choices": choices, "choice_name": choice_name, "normalise": normalise, "check": check,
        "unset": unset, "metavar": metavar})


@dataclass(frozen=True)
class FieldSpec:
    """One field as the rest of the package sees it (see :func:`describe`)."""

    name: str
    kind: type  # int, float, str or bool: the scalar type (of the items, for a tuple)
    optional: bool  # None allowed
    arity: int | None  # None: a scalar; 0: a tuple of any length; n: a tuple of n items
    default: Any
    help: str
    flag: str
    choices: Callable[[], Sequence[str]] | None
    choice_name: str
    normalise: Callable[[str], str] | None
    check: Check | None
    unset: str | None
    metavar: str | tuple[str, ...] | None

    def coerce(self, value: Any) -> Any:
        """The value typed as the field says; ConfigError naming the field otherwise."""
        if value is None:
            return None
        try:
            if self.arity is not None:
                if isinstance(value, (str, bytes)) or not hasattr(value, "__iter__"):
                    raise ValueError
                return tuple(_scalar(self.kind, item) for item in value)
            return _scalar(self.kind, value)
        except (TypeError, ValueError):
            kind = "a list of numbers" if self.arity is not None else _KIND_WORDS[self.kind]
            raise ConfigError(f"{self.name} must be {kind}, got {value!r}; fix it in the config or option") from None

    def choice_names(self) -> list[str]:
        """The allowed names (empty when the field takes any value of its type)."""
        return list(self.choices()) if self.choices is not None else []

    def shown_default(self) -> str:
        """The default as the command line shows it."""
        if self.default is None:
            return self.unset or "unset"
        if isinstance(self.default, bool):
            return "on" if self.default else "off"
        if isinstance(self.default, tuple):
            return " ".join(f"{v:g}" for v in self.default)
        return f"{self.default:g}" if isinstance(self.default, float) else str(self.default)


def _scalar(kind: type, value: Any) -> Any:
    """YAML 1.1 reads 2e-4 as a string: numbers are parsed from strings too, but a bool is never a number."""
    if kind is bool:
        if not isinstance(value, bool):
            raise ValueError
        return value
    if kind is str:
        return str(value)
    if isinstance(value, bool):
        raise ValueError
    if kind is int:
        if isinstance(value, float) and not value.is_integer():
            raise ValueError
        return int(value)
    return float(value)


def _parse_type(hint: Any) -> tuple[type, bool, int | None]:
    """``int | None`` -> (int, True, None); ``tuple[float, float]`` -> (float, False, 2); ``tuple[float, ...]`` -> arity 0."""
    args = typing.get_args(hint)
    optional = False
    if isinstance(hint, types.UnionType) or typing.get_origin(hint) is typing.Union:
        rest = [arg for arg in args if arg is not type(None)]
        optional, (hint,) = len(rest) < len(args), rest
        args = typing.get_args(hint)
    if typing.get_origin(hint) is tuple:
        arity = 0 if len(args) == 2 and args[1] is Ellipsis else len(args)
        return args[0], optional, arity
    if hint not in _KIND_WORDS:
        raise TypeError(f"config fields must be int, float, str, bool or tuples of them, got {hint!r}")
    return hint, optional, None


@functools.cache
def describe(cls: type) -> tuple[FieldSpec, ...]:
    """The :class:`FieldSpec` of every field of the dataclass ``cls``, in field order."""
    hints = typing.get_type_hints(cls)
    specs = []
    for field in dataclasses.fields(cls):
        meta = field.metadata
        if "help" not in meta:
            raise TypeError(f"{cls.__name__}.{field.name} has no description; declare it with setting(...)")
        kind, optional, arity = _parse_type(hints[field.name])
        specs.append(FieldSpec(
            name=field.name, kind=kind, optional=optional, arity=arity, default=field.default, help=meta["help"],
            flag=meta["flag"] or "--" + field.name.replace("_", "-"), choices=meta["choices"],
            choice_name=meta["choice_name"] or field.name.replace("_", " "), normalise=meta["normalise"],
            check=meta["check"],
            unset=meta["unset"], metavar=meta["metavar"]))
    return tuple(specs)


def field_names(cls: type) -> tuple[str, ...]:
    """The field names of ``cls``, in order."""
    return tuple(spec.name for spec in describe(cls))


def coerce_values(cls: type, values: dict[str, Any]) -> dict[str, Any]:
    """``values`` with every entry typed as its field says (keys must be fields of ``cls``)."""
    specs = {spec.name: spec for spec in describe(cls)}
    return {name: specs[name].coerce(value) for name, value in values.items()}


def check_fields(config: Any, names: Sequence[str] | None = None) -> None:
    """Apply the per-field rules (allowed names, then ``check``) to ``config``'s non-None values."""
    for spec in describe(type(config)):
        if names is not None and spec.name not in names:
            continue
        value = getattr(config, spec.name)
        if value is None:
            continue
        allowed = spec.choice_names()
        key = spec.normalise(value) if spec.normalise is not None else value
        if allowed and key not in allowed:
            raise ConfigError(f"unknown {spec.choice_name} {value!r}; choose one of: {', '.join(allowed)} ({spec.flag})")
        problem = spec.check(spec, value, config) if spec.check is not None else None
        if problem:
            raise ConfigError(problem)


# -- rules used by several fields ------------------------------------------------------------


def positive(example: Any = None, *, what: str = "a positive integer") -> Check:
    """A rule: the value is at least 1. With an ``example`` the fix is "try --flag example",
    without one (optional fields) "or leave it unset"."""
    def check(spec: FieldSpec, value: Any, config: Any) -> str | None:
        if value >= 1:
            return None
        fix = f"try {spec.flag} {example}" if example is not None else "or leave it unset"
        return f"{spec.name} must be {what}, got {value}; {fix}"
    return check

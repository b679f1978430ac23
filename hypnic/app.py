"""The Typer application every command module registers on, and how its help reads.

Help is written for people: flags show no value placeholder, options show a plain
value name (``PATH``, ``NUMBER``, or their own ``metavar``), usage lines read
``hypnic detect [OPTIONS] FILE...``, a command's description wraps to the terminal's
width, and the commands are listed in the order a sleeper, an analyst, a researcher and
a developer use them (:data:`ORDER`).
"""

from __future__ import annotations

import inspect
from typing import Any

import typer
from typer.core import TyperArgument, TyperCommand, TyperGroup, TyperOption

#: Commands in workflow order: try it, record and review nights, analyse files, cohorts,
#: develop.
ORDER = ("demo", "scan", "record", "export", "diary", "nights", "report", "detect", "convert",
         "batch", "simulate")

_VALUE_NAMES = {"int": "INTEGER", "float": "NUMBER", "str": "TEXT"}


class _Argument(TyperArgument):
    @property
    def display_name_raw(self) -> str:
        return (self.metavar or self.name or "").upper()

    def _usage_display_name(self) -> str:
        name = self.display_name_raw + ("..." if self.nargs != 1 else "")
        return name if self.required else f"[{name}]"

    def display_type_rich(self, ctx: Any) -> str | None:
        return None


class _Option(TyperOption):
    def get_runtime_param(self) -> Any:
        # a flag's value is already a bool (or None when not given): typer 0.29 would build a
        # pydantic adapter for it, importing pydantic (0.13 s) before any --help is shown
        if self.is_flag and self.type_descriptor.annotation is bool:
            from typer._coercion import PassThroughRuntimeParam

            return PassThroughRuntimeParam(annotation=bool, parameter_info=self.type_descriptor.parameter_info)
        return super().get_runtime_param()

    def display_type_rich(self, ctx: Any) -> str | None:
        if self.is_flag:
            return None
        if self.metavar:
            return self.metavar
        desc = self.type_descriptor
        if desc.is_path:
            return "PATH"
        label = self._bare_type(desc.annotation) if not desc.is_list else self.bare_type()
        return _VALUE_NAMES.get(label.removeprefix("list[").removesuffix("]"), "TEXT")


def _plain_help(params: list) -> list:
    """The parameters as :class:`_Argument` / :class:`_Option` (same data, readable help)."""
    for p in params:
        if isinstance(p, TyperArgument):
            p.__class__ = _Argument
        elif isinstance(p, TyperOption):
            p.__class__ = _Option
    return params


def _paragraphs(text: str | None) -> str | None:
    """``text`` with each paragraph on one line, for the terminal to wrap: typer keeps a
    docstring's line breaks, which in an 80-column terminal break each of its lines again
    a word before its end."""
    if not text:
        return text
    return "\n\n".join(" ".join(p.split()) for p in inspect.cleandoc(text).split("\n\n"))


class Command(TyperCommand):
    """A command whose help reads plainly (see the module docstring)."""

    def __init__(self, *args: Any, **kw: Any):
        super().__init__(*args, **kw)
        self.help = _paragraphs(self.help)

    def get_params(self, ctx: Any) -> list:
        return _plain_help(super().get_params(ctx))


class Group(TyperGroup):
    """A command group with plain help; the top one lists its commands in :data:`ORDER`."""

    def __init__(self, *args: Any, **kw: Any):
        super().__init__(*args, **kw)
        self.help = _paragraphs(self.help)

    def get_params(self, ctx: Any) -> list:
        return _plain_help(super().get_params(ctx))

    def list_commands(self, ctx: Any) -> list[str]:
        names = list(self.commands)  # sub-groups (diary) keep the order they were written in
        if ctx.parent is not None:
            return names
        return sorted(names, key=lambda n: ORDER.index(n) if n in ORDER else len(ORDER))


class Typer(typer.Typer):
    """A Typer app whose commands are :class:`Command` and groups :class:`Group`."""

    def __init__(self, **kw: Any):
        super().__init__(cls=Group, **kw)

    def command(self, *args: Any, cls: type | None = None, **kw: Any):  # type: ignore[override]
        return super().command(*args, cls=cls or Command, **kw)


def show_defaults(command: Any, config: object) -> None:
    """Show ``config``'s value as the default of every option of ``command`` that is left
    at None and named like one of its fields (tuning options that override a config)."""
    for p in command.params:
        if isinstance(p, TyperOption) and p.default is None and hasattr(config, p.name or ""):
            p.default = getattr(config, p.name or "")


app = Typer(
    name="hypnic",
    help="Record and analyse hypnic jerks (sleep starts) with Bluetooth accelerometers. "
    "Not a medical device.",
    no_args_is_help=True,
    add_completion=False,
    pretty_exceptions_enable=False,
    context_settings={"help_option_names": ["-h", "--help"]},
)

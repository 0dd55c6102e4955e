r"""Help text for the ``copilot`` command line: one line per paragraph, no type placeholders.

Example:
    >>> _one_line_paragraphs("Index CRM\n    records.\n\nThen exit.")
    'Index CRM records.\n\nThen exit.'
"""

from __future__ import annotations

import re
from typing import Any

from typer import _click
from typer.core import TyperArgument, TyperGroup, TyperOption

__all__ = ["TidyHelpGroup"]


class TidyHelpGroup(TyperGroup):
    """The root group: before running, tidies the help of every command under it.

    Docstrings wrap at 100 columns, but typer's rich help keeps single newlines, which
    broke sentences mid-line; and it shows a type placeholder (``<bool>``,
    ``<list[Path]>``) for every parameter. Tidying the whole tree here also covers groups
    added by plug-ins and commands added later, without a rule each must remember.
    """

    def main(self, *args: Any, **kwargs: Any) -> Any:
        _tidy_help(self)
        return super().main(*args, **kwargs)


def _one_line_paragraphs(text: str) -> str:
    """Join the lines of each paragraph (paragraphs are separated by a blank line)."""
    paragraphs = re.split(r"\n\s*\n", text.strip())
    return "\n\n".join(" ".join(p.split()) for p in paragraphs)


#: Metavars by typer's type label; anything else is shown upper-cased.
_METAVARS = {"str": "TEXT", "int": "INTEGER", "float": "FLOAT", "path": "PATH", "Path": "PATH"}


def _metavar(param: TyperOption | TyperArgument, ctx: _click.Context) -> str:
    label = param.display_type(ctx).strip("<>").removesuffix(" range")
    label = re.sub(r"^list\[(.*)\]$", r"\1", label)
    return _METAVARS.get(label, label.upper())


def _tidy_help(command: _click.Command) -> None:
    ctx = _click.Context(command, **(command.context_settings or {}))
    if command.help:
        command.help = _one_line_paragraphs(command.help)
    for param in command.get_params(ctx):
        if isinstance(param, TyperOption) and param.is_flag:
            param.metavar = ""  # a flag takes no value: nothing to show
        elif isinstance(param, TyperOption) and param.metavar is None:
            param.metavar = _metavar(param, ctx)
        elif isinstance(param, TyperArgument) and param.name:
            # An argument shows its name (upper-cased, as usage lines do) and its type.
            # typer offers no metavar for an argument's type column, hence the override.
            shown = _metavar(param, ctx)
            setattr(param, "display_type_rich", lambda ctx, shown=shown: shown)  # noqa: B010
            if param.metavar is None:
                param.metavar = param.name.upper()
    for sub in getattr(command, "commands", {}).values():
        _tidy_help(sub)

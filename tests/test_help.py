"""Help that reads well, and a README that documents every command.

Each command's --help shows plain metavars (PATH..., FILE, N), never a Python type, says its
exit codes and gives one example; every option's help is a sentence. The README's Commands
section has a synopsis line for each command naming each of its options (as sqlite-utils
checks its docs), so a new command or option cannot ship undocumented.
"""

from __future__ import annotations

import re

import pytest
import typer
from typer.testing import CliRunner

from ctxh_extract.cli import app
from helpers import ROOT

GROUP = typer.main.get_command(app)
COMMANDS = sorted(GROUP.commands)
PYTHON_TYPES = re.compile(r"<\w[\w\[\], |]*>|\b(?:list|dict|tuple|Optional)\[|\bNoneType\b|\{\w+\}|"
                          r"\b(?:int|float) range\b|\bx[<>]=")
PLAIN_METAVAR = re.compile(r"^(?:[A-Z][A-Z_]*(?:\.\.\.)?|[a-z]+(?:\|[a-z]+)+)$")
README = (ROOT / "README.md").read_text(encoding="utf-8")
COMMANDS_SECTION = README.split("\n## Commands\n", 1)[1].split("\n## ", 1)[0]


def _help(*args: str) -> str:
    r = CliRunner().invoke(app, [*args, "--help"], terminal_width=100, prog_name="ctxh")
    assert r.exit_code == 0, r.output
    return r.output


def _options(name: str):
    return [p for p in GROUP.commands[name].params if p.name != "help"]


def test_there_are_commands():
    assert {"extract", "evaluate", "query", "export", "report", "check-rules"} <= set(COMMANDS)


@pytest.mark.parametrize("args", [[], *[[c] for c in COMMANDS]], ids=["ctxh", *COMMANDS])
def test_help_has_no_python_types_and_says_exit_codes_and_an_example(args):
    text = _help(*args)
    assert not PYTHON_TYPES.search(text), PYTHON_TYPES.search(text).group(0)
    assert "Exit codes" in text and re.search(r"^\s+0\s+\S", text, re.M) and re.search(r"^\s+2\s+\S", text, re.M)
    example = text.split("Example:", 1)[1] if "Example:" in text else ""
    assert re.search(rf"^\s+ctxh {args[0] if args else ''}", example, re.M), "no example"


@pytest.mark.parametrize("name", COMMANDS)
def test_help_is_in_sentences_and_metavars_are_plain(name):
    cmd = GROUP.commands[name]
    first = (cmd.help or "").strip().split("\n\n")[0]
    assert first[:1].isupper() and first.endswith("."), first
    assert cmd.short_help and cmd.short_help.endswith("."), "the command list shows short_help"
    for p in _options(name):
        if p.param_type_name == "option" and p.is_flag:
            pass
        else:
            assert p.metavar and PLAIN_METAVAR.match(p.metavar), f"{name} {p.name}: metavar {p.metavar!r}"
        helptext = getattr(p, "help", None) or ""
        assert helptext[:1].isupper() and helptext.endswith("."), f"{name} {p.name}: help {helptext!r}"


def test_usage_line_shows_plain_arguments():
    assert "Usage: ctxh extract [OPTIONS] PATH..." in _help("extract")
    assert "Usage: ctxh query [OPTIONS] SQL" in _help("query")


@pytest.mark.parametrize("name", COMMANDS)
def test_every_command_and_option_is_in_the_readme(name):
    synopses = [m.group(1) for m in re.finditer(rf"`(ctxh {re.escape(name)}(?: [^`]*)?)`", COMMANDS_SECTION)]
    assert synopses, f"`ctxh {name}` has no synopsis line in the README's Commands section"
    documented = " ".join(synopses)
    for p in _options(name):
        if p.param_type_name == "argument":
            assert p.metavar in documented, f"ctxh {name}: argument {p.metavar} not in the README synopsis"
            continue
        longest = max(p.opts, key=len)
        assert re.search(rf"{re.escape(longest)}\b", documented), f"ctxh {name}: {longest} not in the README synopsis"

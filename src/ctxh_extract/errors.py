"""Errors a user can see. Every one prints as a single line that names the file.

The CLI catches :class:`CtxhError` and prints ``str(err)``; anything else is a bug
and still gets a one-line message (set CTXH_DEBUG=1 for the traceback).
"""

from __future__ import annotations


class CtxhError(Exception):
    """Base class: a problem with the user's input, rules, gold or database."""

    exit_code = 1


class UsageError(CtxhError):
    """A command line that cannot work: an option (or the environment variable behind it) with a value
    that cannot work, or a path that is not there. Exit 2, before anything is read or written (so a
    typo never creates an empty database)."""

    exit_code = 2


class _FileError(CtxhError):
    """A problem with one file: prints as ``path: reason``."""

    def __init__(self, path: str, reason: str):
        self.path = path
        self.reason = reason
        super().__init__(f"{path}: {reason}")


class InputError(_FileError):
    """An article file that cannot be read or makes no sense as an article."""


class GoldError(_FileError):
    """A gold annotation file that breaks the format of ANNOTATION.md."""

    exit_code = 2


class DatabaseError(_FileError):
    """The database cannot be opened, is locked, or has an unknown schema."""


class RulesError(CtxhError):
    """A rules file that does not parse or says something impossible (``path:line: reason``)."""

    exit_code = 2

    def __init__(self, path: str, reason: str, line: int | None = None):
        self.path = path
        self.line = line
        self.reason = reason
        where = f"{path}:{line}" if line else path
        super().__init__(f"{where}: {reason}")


class RunDirError(_FileError):
    """A run folder (``--out``) made by another command, or one that cannot be used."""

    exit_code = 2


class MissingExtra(CtxhError):
    """An option whose optional dependencies are not installed."""

    exit_code = 2

    def __init__(self, what: str, extra: str, package: str):
        self.extra = extra
        super().__init__(f"{what} needs {package}: pip install 'ctxh-extract[{extra}]'")

"""Build hook: the package carries its rules.

``rules/`` at the top of the checkout stays the one place people edit. Building a
wheel copies it into the package as ``ctxh_extract/_rules`` (where
``rules.default_rules_dir()`` looks first), so an installed ``ctxh`` needs no
checkout. An editable install reads ``rules/`` in place and copies nothing. The
sdist carries ``rules/`` (MANIFEST.in), so a wheel built from it has them too.
Everything else about the build is in pyproject.toml.
"""

from __future__ import annotations

import shutil
from pathlib import Path

from setuptools import setup
from setuptools.command.build_py import build_py

RULES = Path(__file__).resolve().parent / "rules"


def rule_files(root: Path = RULES) -> list[Path]:
    """Every file under ``rules/`` but hidden files and caches, relative to it."""
    return sorted(p.relative_to(root) for p in root.rglob("*")
                  if p.is_file() and not any(part.startswith(".") or part == "__pycache__"
                                             for part in p.relative_to(root).parts))


class BuildPyWithRules(build_py):
    def run(self) -> None:
        super().run()
        if getattr(self, "editable_mode", False):
            return
        if not (RULES / "categories.json").is_file():
            raise SystemExit(f"error: {RULES}: rules directory missing; cannot build a package without its rules")
        dest = Path(self.build_lib) / "ctxh_extract" / "_rules"
        if dest.exists():
            shutil.rmtree(dest)
        for rel in rule_files():
            target = dest / rel
            target.parent.mkdir(parents=True, exist_ok=True)
            shutil.copyfile(RULES / rel, target)


setup(cmdclass={"build_py": BuildPyWithRules})

"""Commands that live in their own modules, one module per command family.

Each module here defines `register(app: typer.Typer) -> None`, which adds its
command(s) to the main `auditor` app; `auditor.cli` calls every one of them.
Keeping each family in its own module keeps `cli.py` small and lets features
land without touching each other's code.
"""

from __future__ import annotations

import importlib
import pkgutil

import typer


def register_all(app: typer.Typer) -> None:
    """Call `register(app)` of every module in this package, in name order."""
    for module_info in sorted(pkgutil.iter_modules(__path__), key=lambda m: m.name):
        module = importlib.import_module(f"{__name__}.{module_info.name}")
        module.register(app)

"""Configuration of `auditor check`: `[tool.auditor]` in pyproject.toml or `.auditor.toml`.

The file is found by walking up from the working directory; in each directory
`.auditor.toml` (keys at the top level) is looked at before `pyproject.toml`
(keys under `[tool.auditor]`; a pyproject.toml without that table is passed
over). Command-line flags override the file. An unknown key or a bad value is a
`ConfigError` naming the file and the key. Relative paths in the file
(`baseline`, `extra-checks`) are relative to the file's directory.

Keys (kebab-case, as in the file):

    fail-on = "error"            # info | warning | error
    min-score = 60               # fail an article scoring below this
    format = "text"              # text | json | github | sarif | junit
    baseline = "auditor-baseline.json"
    exclude = ["drafts/**"]      # glob patterns of paths not to check
    disable = ["meta.byline"]    # check ids to switch off
    extra-checks = ["newsroom-checks"]   # more check directories
    anon-share-max = 0.5         # anon.share-high threshold (0-1)
    sources-target = 5           # distinct sources for full `sources` points
    uncredited-penalty = 40      # points an uncredited copy loses

    [tool.auditor.levels]        # change a check's level
    "anon.plural-unquantified" = "warning"

    [tool.auditor.weights]       # score component weights; must sum to 100
    attribution = 25
"""

from __future__ import annotations

import tomllib
from collections.abc import Callable
from dataclasses import dataclass, field, replace
from pathlib import Path
from typing import Any

from .errors import ConfigError

LEVELS = ("info", "warning", "error")
FORMATS = ("text", "json", "github", "sarif", "junit")
CONFIG_FILES = (".auditor.toml", "pyproject.toml")


@dataclass
class Settings:
    """Every setting of `auditor check`, with its default."""

    fail_on: str = "error"
    min_score: int | None = None
    format: str = "text"
    baseline: Path | None = None
    exclude: list[str] = field(default_factory=list)
    disable: list[str] = field(default_factory=list)
    levels: dict[str, str] = field(default_factory=dict)
    extra_checks: list[Path] = field(default_factory=list)
    anon_share_max: float | None = None
    sources_target: int = 5
    uncredited_penalty: int = 40
    weights: dict[str, int] = field(default_factory=dict)
    file: Path | None = None  # where the settings came from, for messages

    def override(self, **flags: Any) -> Settings:
        """A copy with every flag that was given (not None) replacing the file's value."""
        return replace(self, **{k: v for k, v in flags.items() if v is not None})


def _text(choices: tuple[str, ...] | None = None) -> Callable[[str, Any], Any]:
    def check(key: str, value: Any) -> str:
        if not isinstance(value, str) or (choices and value not in choices):
            expected = " | ".join(choices) if choices else "a string"
            raise ValueError(f"{key} must be {expected}, not {value!r}")
        return value

    return check


def _integer(low: int, high: int | None = None) -> Callable[[str, Any], int]:
    def check(key: str, value: Any) -> int:
        if isinstance(value, bool) or not isinstance(value, int) or value < low:
            raise ValueError(f"{key} must be an integer >= {low}, not {value!r}")
        if high is not None and value > high:
            raise ValueError(f"{key} must be an integer <= {high}, not {value!r}")
        return value

    return check


def _share(key: str, value: Any) -> float:
    if isinstance(value, bool) or not isinstance(value, int | float) or not 0 <= value <= 1:
        raise ValueError(f"{key} must be a number between 0 and 1, not {value!r}")
    return float(value)


def _strings(key: str, value: Any) -> list[str]:
    if not isinstance(value, list) or not all(isinstance(v, str) and v for v in value):
        raise ValueError(f"{key} must be a list of strings")
    return list(value)


def _levels(key: str, value: Any) -> dict[str, str]:
    if not isinstance(value, dict):
        raise ValueError(f"{key} must be a table of check id = level")
    for check_id, level in value.items():
        if level not in LEVELS:
            raise ValueError(f"{key}.{check_id} must be one of {' | '.join(LEVELS)}")
    return dict(value)


def _weights(key: str, value: Any) -> dict[str, int]:
    if not isinstance(value, dict):
        raise ValueError(f"{key} must be a table of component = weight")
    for name, weight in value.items():
        _integer(0)(f"{key}.{name}", weight)
    return dict(value)


# toml key -> (Settings attribute, validator). Path-valued keys are resolved later.
KEYS: dict[str, tuple[str, Callable[[str, Any], Any]]] = {
    "fail-on": ("fail_on", _text(LEVELS)),
    "min-score": ("min_score", _integer(0, 100)),
    "format": ("format", _text(FORMATS)),
    "baseline": ("baseline", _text()),
    "exclude": ("exclude", _strings),
    "disable": ("disable", _strings),
    "levels": ("levels", _levels),
    "extra-checks": ("extra_checks", _strings),
    "anon-share-max": ("anon_share_max", _share),
    "sources-target": ("sources_target", _integer(1)),
    "uncredited-penalty": ("uncredited_penalty", _integer(0, 100)),
    "weights": ("weights", _weights),
}
PATH_KEYS = {"baseline", "extra_checks"}


def find_config(start: Path | None = None) -> tuple[Path, dict[str, Any]] | None:
    """The nearest configuration at or above `start` (default: the working directory)."""
    directory = (start or Path.cwd()).resolve()
    for folder in (directory, *directory.parents):
        for name in CONFIG_FILES:
            file = folder / name
            if not file.is_file():
                continue
            table = read_table(file)
            if table is not None:
                return file, table
    return None


def read_table(file: Path) -> dict[str, Any] | None:
    """The auditor table of a config file; None for a pyproject.toml without one."""
    try:
        data = tomllib.loads(file.read_text(encoding="utf-8"))
    except (OSError, UnicodeDecodeError) as err:
        raise ConfigError(f"{file}: cannot read ({err})") from err
    except tomllib.TOMLDecodeError as err:
        raise ConfigError(f"{file}: not valid TOML ({err})") from err
    if file.name == "pyproject.toml":
        table = data.get("tool", {}).get("auditor")
        if table is None:
            return None
        if not isinstance(table, dict):
            raise ConfigError(f"{file}: [tool.auditor] must be a table")
        return table
    return data


def parse_settings(table: dict[str, Any], file: Path | None = None) -> Settings:
    """Validate a config table into Settings; any problem names the file and key."""
    where = f"{file}: " if file else ""
    values: dict[str, Any] = {}
    for key, value in table.items():
        if key not in KEYS:
            known = ", ".join(sorted(KEYS))
            raise ConfigError(f"{where}unknown key {key!r} (known keys: {known})")
        attribute, validate = KEYS[key]
        try:
            values[attribute] = validate(key, value)
        except ValueError as err:
            raise ConfigError(f"{where}{err}") from err
    base = file.parent if file else Path.cwd()
    if "baseline" in values:
        values["baseline"] = base / values["baseline"]
    if "extra_checks" in values:
        values["extra_checks"] = [base / p for p in values["extra_checks"]]
    return Settings(**values, file=file)


def load_settings(explicit: Path | None = None, start: Path | None = None) -> Settings:
    """Settings from `explicit` (a --config file), else the nearest config, else defaults."""
    if explicit is not None:
        if not explicit.is_file():
            raise ConfigError(f"{explicit}: configuration file not found")
        table = read_table(explicit)
        if table is None:
            raise ConfigError(f"{explicit}: has no [tool.auditor] table")
        return parse_settings(table, explicit)
    found = find_config(start)
    if found is None:
        return Settings()
    return parse_settings(found[1], found[0])


def check_config(settings: Settings, ruleset: Any, extra_dirs: list[Path] | None = None) -> Any:
    """The `auditor.checks.CheckConfig` these settings describe (ids validated)."""
    from .checks import CheckConfig, load_checks

    checks = load_checks(ruleset, [*settings.extra_checks, *(extra_dirs or [])])
    known = {check.id for check in checks}
    where = f"{settings.file}: " if settings.file else ""
    for key, ids in (("disable", settings.disable), ("levels", list(settings.levels))):
        unknown = [i for i in ids if i not in known]
        if unknown:
            raise ConfigError(f"{where}{key}: unknown check id {unknown[0]!r}")
    return CheckConfig(
        ruleset,
        checks,
        disabled=frozenset(settings.disable),
        levels=dict(settings.levels),
        anon_share_max=settings.anon_share_max,
    )


def score_config(settings: Settings, checks: Any) -> Any:
    """The `auditor.score.ScoreConfig` these settings describe."""
    from .score import ScoreConfig

    try:
        return ScoreConfig.from_settings(
            settings.weights, settings.sources_target, settings.uncredited_penalty, checks
        )
    except ConfigError as err:
        where = f"{settings.file}: " if settings.file else ""
        raise ConfigError(f"{where}{err}") from err

"""Errors that are the user's to fix: the CLI prints them on one line and exits 2."""


class AuditorError(Exception):
    """Base class for errors caused by input, rules or configuration (not bugs)."""


class InputError(AuditorError):
    """An input file is missing, empty, binary, too large or cannot be decoded."""


class RuleLoadError(AuditorError):
    """A rule or lexicon file is malformed; the message names the file and key."""


class ConfigError(AuditorError):
    """A configuration key or value is invalid."""

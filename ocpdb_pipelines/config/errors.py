"""The error of an unusable configuration."""


class ConfigError(RuntimeError):
    """The configuration cannot be used; the message names the offending key."""

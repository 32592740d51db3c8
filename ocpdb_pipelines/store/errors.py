"""Store errors: each leaves the database as it was (the transaction rolls back)."""


class ShrinkGuardError(RuntimeError):
    """A snapshot would delete most of a source: likely a broken feed, so nothing is applied."""

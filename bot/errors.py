"""Domain errors. Services raise these; front ends (cogs, console, CLI) turn each into a
friendly message for the user (`str(error)` is that message: never a traceback)."""


class CounterpointError(Exception):
    """Base class: the message is safe to show to a user."""


class BadInput(CounterpointError):
    """The user gave something we cannot use (too long, wrong type, empty...)."""


class NotFound(CounterpointError):
    pass


class AlreadyExists(CounterpointError):
    pass


class NotAllowed(CounterpointError):
    """The actor may not do this (not a moderator, another guild's data...)."""


class FetchFailed(CounterpointError):
    """A URL could not be fetched safely (refused address, too large, timeout...)."""


class RateLimited(CounterpointError):
    def __init__(self, message: str, retry_after: float):
        super().__init__(message)
        self.retry_after = retry_after


class DatabaseUnavailable(CounterpointError):
    """The database stayed locked or unreachable after bounded retries."""

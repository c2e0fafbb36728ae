"""Exceptions of the kvpool client. Each message names the problem and the fix."""


class PoolError(RuntimeError):
    """The manager refused a request; ``code`` is its error number (wire-protocol.md)."""

    def __init__(self, code: int, message: str):
        super().__init__(message)
        self.code = code


class NotAuthorized(PoolError):
    """Unknown namespace or wrong token (the manager says which only to whoever knows the token)."""

    def __init__(self, message: str):
        super().__init__(5007, message)


class ManagerUnreachable(RuntimeError):
    """No manager answered at the control socket within the timeout."""


class ProtocolError(RuntimeError):
    """The manager sent something this client cannot read."""

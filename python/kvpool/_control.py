"""The client's connection to the manager's control socket (Unix-domain on the manager's host, or TCP), one request
in flight at a time per connection, answered in order. Re-establishes its session by itself after a manager restart
(the next call HELLOs again); requests that are not safe to repeat are reported instead of repeated.
"""

from __future__ import annotations

import socket
import struct
import threading
import time

from . import _wire
from .errors import ManagerUnreachable, NotAuthorized, PoolError, ProtocolError


def _open_socket(control: str, timeout_s: float) -> socket.socket:
    """A connected socket: Unix-domain for a path, TCP for host:port."""
    if "/" in control or control.endswith(".sock"):
        sock = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
        address = control
    else:
        host, _, port = control.rpartition(":")
        if not host or not port.isdigit():
            raise ValueError(f"control={control!r}: give the manager's Unix socket path or host:port")
        sock = socket.socket(socket.AF_INET6 if ":" in host else socket.AF_INET, socket.SOCK_STREAM)
        sock.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)
        address = (host.strip("[]"), int(port))
    sock.settimeout(timeout_s)
    sock.connect(address)
    return sock


def _unreachable(control: str, timeout_s: float, last) -> ManagerUnreachable:
    return ManagerUnreachable(f"no pool manager answered at {control} within {timeout_s:g}s: is it running, and is "
                              f"this its control socket? ({last})")


class ControlConnection:
    """Thread-safe: one lock serializes requests on the socket."""

    def __init__(self, control: str, namespace: str, token: str, client_name: str, timeout_s: float):
        self._control = control
        self._namespace = namespace
        self._token = token
        self._client_name = client_name
        self._timeout_s = timeout_s
        self._lock = threading.Lock()
        self._socket = None
        self._correlation = 0
        self.session: _wire.Session | None = None
        self.reconnects = -1
        with self._lock:
            self._connect()

    # -- connection ----------------------------------------------------------------------------------------------------

    @staticmethod
    def probe(control: str, timeout_s: float) -> None:
        """Raises ManagerUnreachable unless a manager accepts connections at ``control`` within the timeout."""
        deadline = time.monotonic() + timeout_s
        while True:
            try:
                _open_socket(control, timeout_s).close()
                return
            except OSError as error:
                if time.monotonic() > deadline:
                    raise _unreachable(control, timeout_s, error) from error
                time.sleep(0.05)

    def _connect(self):
        deadline = time.monotonic() + self._timeout_s
        last = None
        while True:
            try:
                self._socket = _open_socket(self._control, self._timeout_s)
                answer = self._exchange(_wire.encode_hello(self._next(), self._namespace, self._token,
                                                           self._client_name))
                template = _wire.decode_header(answer)[0]
                if template == _wire.ERROR:
                    code, message = _wire.decode_error(answer)
                    self._close_socket()
                    if code == _wire.NOT_AUTHORIZED:
                        raise NotAuthorized(f"{_wire.error_name(code)}: {message} (namespace {self._namespace!r}: "
                                            f"check its name and token)")
                    if code != _wire.SHUTTING_DOWN:
                        raise PoolError(code, f"{_wire.error_name(code)}: {message}")
                    last = PoolError(code, message)
                elif template == _wire.HELLO_OK:
                    self.session = _wire.decode_hello_ok(answer)
                    self.reconnects += 1
                    return
                else:
                    raise ProtocolError(f"HELLO answered with template {template}")
            except (OSError, ConnectionError) as error:
                self._close_socket()
                last = error
            if time.monotonic() > deadline:
                raise _unreachable(self._control, self._timeout_s, last)
            time.sleep(0.05)

    def _next(self) -> int:
        self._correlation += 1
        return self._correlation

    def _close_socket(self):
        if self._socket is not None:
            try:
                self._socket.close()
            except OSError:
                pass
            self._socket = None

    def _exchange(self, message: bytes) -> bytes:
        self._socket.sendall(message)
        head = self._recv(_wire.HEADER_LENGTH)
        length = struct.unpack_from("<I", head, 4)[0]
        if length < _wire.HEADER_LENGTH or length > _wire.MAX_FRAME_LENGTH:
            raise ProtocolError(f"the manager sent a frame of {length} bytes")
        return head + self._recv(length - _wire.HEADER_LENGTH)

    def _recv(self, count: int) -> bytes:
        parts = []
        while count > 0:
            part = self._socket.recv(count)
            if not part:
                raise ConnectionError("the manager closed the connection")
            parts.append(part)
            count -= len(part)
        return b"".join(parts)

    # -- requests ------------------------------------------------------------------------------------------------------

    def request(self, encode, repeatable: bool) -> bytes:
        """Sends ``encode(correlationId, sessionId)`` and returns the answer. A lost connection (manager restart)
        re-establishes the session and repeats a repeatable request once; a request that is not repeatable raises
        ConnectionError after reconnecting, for the caller to redo from its start."""
        with self._lock:
            for attempt in range(2):
                if self._socket is None:
                    self._connect()
                try:
                    answer = self._exchange(encode(self._next(), self.session.session_id))
                except (OSError, ConnectionError):
                    self._close_socket()
                    self._connect()
                    if repeatable and attempt == 0:
                        continue
                    raise ConnectionError("the manager restarted during a request that is not repeated blindly; "
                                          "its outcome is unknown")
                template = _wire.decode_header(answer)[0]
                if template == _wire.ERROR:
                    code, message = _wire.decode_error(answer)
                    if code in (_wire.UNKNOWN_SESSION, _wire.SHUTTING_DOWN) and attempt == 0:
                        # The session is gone (a restarted manager): HELLO again.
                        self._close_socket()
                        self._connect()
                        if repeatable:
                            continue
                    raise PoolError(code, f"{_wire.error_name(code)}: {message}")
                return answer
        raise AssertionError("unreachable")

    def close(self):
        with self._lock:
            if self._socket is not None and self.session is not None:
                try:
                    self._socket.sendall(_wire.encode_goodbye(self._next(), self.session.session_id))
                except OSError:
                    pass
            self._close_socket()

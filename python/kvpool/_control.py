"""The client's connection to the manager's control socket (Unix-domain on the manager's host, or TCP). Requests are
pipelined: any thread may send one while others wait for theirs, and a put sends its commits while it still copies.
The manager answers a connection's requests in order; answers are matched to requests by correlation id, read by
whichever waiting thread gets there first. Re-establishes its session by itself after a manager restart (the next
call HELLOs again); requests that are not safe to repeat are reported instead of repeated.
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


class Ticket:
    """A request sent and not yet answered: its correlation id, and the connection (epoch) it went out on."""

    __slots__ = ("correlation", "epoch", "socket")

    def __init__(self, correlation: int, epoch: int, sock: socket.socket):
        self.correlation = correlation
        self.epoch = epoch
        self.socket = sock


class ControlConnection:
    """Thread-safe. A send lock orders requests on the socket (and guards connecting); answers go to a table under a
    condition, filled by one reading thread at a time (a waiter that finds nobody reading reads for everyone)."""

    def __init__(self, control: str, namespace: str, token: str, client_name: str, timeout_s: float):
        self._control = control
        self._namespace = namespace
        self._token = token
        self._client_name = client_name
        self._timeout_s = timeout_s
        self._send_lock = threading.Lock()
        self._answers_changed = threading.Condition(threading.Lock())
        self._answers: dict[int, bytes] = {}
        self._reading = False
        self._epoch = 0  # +1 each time the socket is given up: its unanswered requests fail
        self._socket = None
        self._correlation = 0
        self.session: _wire.Session | None = None
        self.reconnects = -1
        with self._send_lock:
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
        """HELLO on a new socket. Called under the send lock with no socket: nobody else reads or writes it yet."""
        deadline = time.monotonic() + self._timeout_s
        last = None
        while True:
            try:
                sock = _open_socket(self._control, self._timeout_s)
                try:
                    sock.sendall(_wire.encode_hello(self._next(), self._namespace, self._token, self._client_name))
                    answer = _read_frame(sock)
                except BaseException:
                    sock.close()
                    raise
                template = _wire.decode_header(answer)[0]
                if template == _wire.ERROR:
                    code, message = _wire.decode_error(answer)
                    sock.close()
                    if code == _wire.NOT_AUTHORIZED:
                        raise NotAuthorized(f"{_wire.error_name(code)}: {message} (namespace {self._namespace!r}: "
                                            f"check its name and token)")
                    if code != _wire.SHUTTING_DOWN:
                        raise PoolError(code, f"{_wire.error_name(code)}: {message}")
                    last = PoolError(code, message)
                elif template == _wire.HELLO_OK:
                    self.session = _wire.decode_hello_ok(answer)
                    self.reconnects += 1
                    self._socket = sock
                    return
                else:
                    sock.close()
                    raise ProtocolError(f"HELLO answered with template {template}")
            except (OSError, ConnectionError) as error:
                last = error
            if time.monotonic() > deadline:
                raise _unreachable(self._control, self._timeout_s, last)
            time.sleep(0.05)

    def _next(self) -> int:
        self._correlation += 1
        return self._correlation

    def _give_up(self, epoch: int) -> None:
        """Closes the socket of ``epoch`` (if still current): its unanswered requests fail, the next send
        reconnects."""
        with self._answers_changed:
            if epoch != self._epoch:
                return
            self._epoch += 1
            self._answers.clear()
            sock, self._socket = self._socket, None
            self._answers_changed.notify_all()
        if sock is not None:
            try:
                sock.close()
            except OSError:
                pass

    # -- requests ------------------------------------------------------------------------------------------------------

    def send(self, encode, since: Ticket | None = None) -> Ticket:
        """Sends ``encode(correlationId, sessionId)`` (connecting first if the socket was given up) and returns its
        ticket for ``answer``. With ``since``, only on the connection that ticket went out on: once that is lost, the
        new ticket fails too (a put's later commits are for a session that is gone)."""
        with self._send_lock:
            with self._answers_changed:
                epoch = self._epoch
            if since is not None and since.epoch != epoch:
                return Ticket(0, -1, None)
            if self._socket is None:
                self._connect()
                with self._answers_changed:
                    epoch = self._epoch
            ticket = Ticket(self._next(), epoch, self._socket)
            try:
                ticket.socket.sendall(encode(ticket.correlation, self.session.session_id))
            except OSError:
                self._give_up(epoch)
        return ticket

    def lost(self, ticket: Ticket) -> bool:
        """Whether the connection ``ticket`` went out on has been given up (its answer will not come)."""
        with self._answers_changed:
            return ticket.epoch != self._epoch

    def answer(self, ticket: Ticket) -> bytes:
        """The frame answering ``ticket``; ConnectionError when its connection was lost first."""
        while True:
            with self._answers_changed:
                while True:
                    answer = self._answers.pop(ticket.correlation, None)
                    if answer is not None:
                        return answer
                    if ticket.epoch != self._epoch:
                        raise ConnectionError("the connection to the manager was lost before the answer came")
                    if not self._reading:
                        self._reading = True
                        break
                    self._answers_changed.wait()
            try:
                frame = _read_frame(ticket.socket)
            except (OSError, ConnectionError, ProtocolError):
                # Lost, timed out or out of step: nothing more on this socket can be trusted.
                with self._answers_changed:
                    self._reading = False
                self._give_up(ticket.epoch)
                continue
            with self._answers_changed:
                self._reading = False
                if ticket.epoch == self._epoch:
                    self._answers[_wire.HEADER.unpack_from(frame)[3]] = frame
                self._answers_changed.notify_all()

    def finish(self, ticket: Ticket) -> bytes:
        """``answer``, with an ERROR raised as PoolError (a lost session gives up the socket first, so that the
        next request HELLOs again)."""
        answer = self.answer(ticket)
        if _wire.decode_header(answer)[0] == _wire.ERROR:
            code, message = _wire.decode_error(answer)
            if code in (_wire.UNKNOWN_SESSION, _wire.SHUTTING_DOWN):
                self._give_up(ticket.epoch)
            raise PoolError(code, f"{_wire.error_name(code)}: {message}")
        return answer

    def request(self, encode, repeatable: bool) -> bytes:
        """Sends ``encode(correlationId, sessionId)`` and returns the answer. A lost connection or session (a manager
        restart) is re-established by the next send; a repeatable request is then repeated once, one that is not
        raises ConnectionError (or the session's PoolError) for the caller to redo from its start."""
        return self.exchange(encode, repeatable)[1]

    def exchange(self, encode, repeatable: bool) -> tuple[Ticket, bytes]:
        """``request``, with the ticket of the attempt answered (for requests that must follow on its connection)."""
        for attempt in range(2):
            try:
                ticket = self.send(encode)
                return ticket, self.finish(ticket)
            except ConnectionError:
                if not repeatable or attempt == 1:
                    raise ConnectionError("the manager restarted during a request that is not repeated blindly; "
                                          "its outcome is unknown") from None
            except PoolError as error:
                if error.code not in (_wire.UNKNOWN_SESSION, _wire.SHUTTING_DOWN) or not repeatable or attempt == 1:
                    raise
        raise AssertionError("unreachable")

    def close(self):
        with self._send_lock:
            sock = self._socket
            if sock is not None and self.session is not None:
                try:
                    sock.sendall(_wire.encode_goodbye(self._next(), self.session.session_id))
                except OSError:
                    pass
            with self._answers_changed:
                epoch = self._epoch
            self._give_up(epoch)


def _read_frame(sock: socket.socket) -> bytes:
    """One frame: the header, then the rest its frameLength says."""
    head = _recv(sock, _wire.HEADER_LENGTH)
    length = struct.unpack_from("<I", head, 4)[0]
    if length < _wire.HEADER_LENGTH or length > _wire.MAX_FRAME_LENGTH:
        raise ProtocolError(f"the manager sent a frame of {length} bytes")
    return head + _recv(sock, length - _wire.HEADER_LENGTH)


def _recv(sock: socket.socket, count: int) -> bytes:
    parts = []
    while count > 0:
        part = sock.recv(count)
        if not part:
            raise ConnectionError("the manager closed the connection")
        parts.append(part)
        count -= len(part)
    return b"".join(parts)

"""An outbox that keeps messages in memory (tests, demo)."""

from __future__ import annotations

import threading

from klickit_core.shared.mail import MailMessage

__all__ = ["InMemoryOutbox"]


class InMemoryOutbox:
    """A :class:`~klickit_core.shared.mail.Mailer` that records what it was asked to send."""

    def __init__(self) -> None:
        self._messages: list[MailMessage] = []
        self._lock = threading.Lock()

    def send(self, message: MailMessage) -> None:
        """Record ``message``."""
        with self._lock:
            self._messages.append(message)

    @property
    def messages(self) -> list[MailMessage]:
        """Every message sent so far, oldest first."""
        with self._lock:
            return list(self._messages)

    def to(self, address: str) -> list[MailMessage]:
        """The messages sent to ``address``."""
        return [message for message in self.messages if message.to == address]

    def clear(self) -> None:
        """Forget every message."""
        with self._lock:
            self._messages.clear()

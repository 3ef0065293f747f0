"""The files the commands read and write, and the one line a person reads when one cannot
be read or written (SPEC X-8, X-9; issue #16).

"Could not write the output file." left the operator guessing which file and why. The
errors here name the path as it was typed on the command line and the reason, in the
chosen language: ``Could not write /srv/exports/ledger.jsonl: its folder does not
exist.`` The reason is a stable code in the error's details (``reason``), for scripts
reading the ``--json`` form, and a translated phrase in the message. The path is the
operator's own input, not a customer's data, so it may be shown; a file's content never
is.
"""

from __future__ import annotations

import errno
from collections.abc import Mapping
from pathlib import Path
from types import MappingProxyType
from typing import ClassVar, Final, Self

from klickit_core.shared.errors import KlickitError
from klickit_core.shared.i18n import N_, translate

__all__ = ["REASONS", "CannotReadError", "CannotWriteError", "FileError", "reason_of"]

#: Each reason code and the phrase a person reads after the path.
REASONS: Final[Mapping[str, str]] = MappingProxyType(
    {
        "permission_denied": N_("permission denied"),
        "no_such_file": N_("no such file"),
        "no_such_folder": N_("its folder does not exist"),
        "not_a_folder": N_("a part of the path is not a folder"),
        "file_not_folder": N_("it is a file, not a folder"),
        "is_a_folder": N_("it is a folder, not a file"),
        "read_only": N_("the file system is read-only"),
        "no_space": N_("no space left on the device"),
        "name_too_long": N_("the name is too long"),
        "not_text": N_("it is not UTF-8 text"),
    }
)

#: errno values to reason codes (``ENOENT`` depends on the direction: see :func:`reason_of`).
_BY_ERRNO: Final[Mapping[int, str]] = MappingProxyType(
    {
        errno.EACCES: "permission_denied",
        errno.EPERM: "permission_denied",
        errno.ENOTDIR: "not_a_folder",
        errno.EEXIST: "file_not_folder",
        errno.EISDIR: "is_a_folder",
        errno.EROFS: "read_only",
        errno.ENOSPC: "no_space",
        errno.EDQUOT: "no_space",
        errno.ENAMETOOLONG: "name_too_long",
    }
)


def reason_of(error: OSError | UnicodeDecodeError, *, writing: bool) -> str:
    """The reason code of ``error``: a key of :data:`REASONS`, or ``other`` for an error
    with no phrase of its own (its text is then kept in the ``error`` detail). A missing
    path is "no such file" when reading, and its folder missing when writing."""
    if isinstance(error, UnicodeDecodeError):
        return "not_text"
    if error.errno == errno.ENOENT:
        return "no_such_folder" if writing else "no_such_file"
    return _BY_ERRNO.get(error.errno or 0, "other")


class FileError(KlickitError):
    """A file the command was given could not be used (the base of the two below, which
    set the message). Details: ``what`` (``policy``, ``ledger``, ``key``, ``output``...),
    ``path`` (as typed), ``reason`` (a key of :data:`REASONS` or ``other``) and, for
    ``other``, ``error`` (the system's words, in English)."""

    code = "cli.file"
    message_template = N_("Could not use {path}: {reason}.")

    #: Whether the file was being written (a missing path then means a missing folder).
    writing: ClassVar[bool] = False

    @classmethod
    def of(cls, error: OSError | UnicodeDecodeError, *, what: str, path: str | Path) -> Self:
        """The error for ``error`` met while using ``path``."""
        reason = reason_of(error, writing=cls.writing)
        if reason == "other":
            words = error.strerror if isinstance(error, OSError) else None
            return cls(
                what=what, path=str(path), reason=reason, error=words or type(error).__name__
            )
        return cls(what=what, path=str(path), reason=reason)

    def _render(self, locale: str) -> str:
        """The message with the reason's phrase translated (the details hold its code);
        without a path and a reason, the template as it is (nothing is invented)."""
        if "path" not in self.details or "reason" not in self.details:
            return super()._render(locale)
        reason = str(self.details["reason"])
        phrase = REASONS.get(reason)
        said = translate(phrase, locale) if phrase else str(self.details.get("error") or reason)
        return translate(self.message_template, locale).format(
            path=self.details.get("path"), reason=said
        )


class CannotReadError(FileError):
    """An input file (a policy configuration, a ledger, the erasure key) could not be read."""

    code = "cli.cannot_read"
    message_template = N_("Could not read {path}: {reason}.")


class CannotWriteError(FileError):
    """An output file or folder could not be written."""

    code = "cli.cannot_write"
    message_template = N_("Could not write {path}: {reason}.")
    writing = True

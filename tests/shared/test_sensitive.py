"""CHK-1, SEC-1: a typed password travels as a Secret that never shows itself."""

from __future__ import annotations

import copy
import json
import logging
import operator
import pickle

import pytest
from hypothesis import given
from hypothesis import strategies as st

from klickit_core.shared.sensitive import Secret

PASSWORD = "correct horse battery staple"


def test_reveal_gives_the_value_back() -> None:
    """SEC-1: only ``reveal`` gives the password, unchanged."""
    assert Secret(PASSWORD).reveal() == PASSWORD
    assert len(Secret(PASSWORD)) == len(PASSWORD)


@pytest.mark.parametrize(
    "render",
    [repr, str, ascii, format, "{}".format, "{!r}".format, "%s".__mod__, lambda s: f"{s:>40}"],
)
def test_no_rendering_shows_the_value(render: object) -> None:
    """SEC-1: repr, str, format and %-formatting all print stars."""
    assert callable(render)
    text = render(Secret(PASSWORD))
    assert PASSWORD not in text
    assert "***" in text


def test_repr_and_str_are_stars() -> None:
    """SEC-1: the rendered forms are fixed strings, not even the length leaks."""
    assert str(Secret(PASSWORD)) == "***"
    assert repr(Secret(PASSWORD)) == "Secret('***')"
    assert repr(Secret("x")) == repr(Secret(PASSWORD))


def test_containers_and_logs_do_not_show_the_value(caplog: pytest.LogCaptureFixture) -> None:
    """SEC-1: a secret inside a list, a dict or a log record stays hidden."""
    secret = Secret(PASSWORD)
    assert PASSWORD not in repr([secret, {"password": secret}])
    with caplog.at_level(logging.INFO):
        logging.getLogger("klickit.test").info("form: %s %r", secret, secret)
    assert PASSWORD not in caplog.text


def test_json_refuses_a_secret() -> None:
    """SEC-1: a secret cannot be serialised by accident."""
    with pytest.raises(TypeError):
        json.dumps({"password": Secret(PASSWORD)})


def test_equality_compares_values() -> None:
    """Equal secrets compare equal; other types are never equal to a secret."""
    assert Secret(PASSWORD) == Secret(PASSWORD)
    assert Secret(PASSWORD) != Secret(PASSWORD + "!")
    assert Secret("") == Secret("")
    assert Secret(PASSWORD) != PASSWORD
    assert operator.eq(PASSWORD, Secret(PASSWORD)) is False  # from the str side too
    assert Secret("\ud800") == Secret("\ud800")  # lone surrogates still compare
    assert Secret("\ud800") != Secret("\ud801")


def test_equality_is_constant_time(monkeypatch: pytest.MonkeyPatch) -> None:
    """SEC-1: comparison goes through ``hmac.compare_digest``."""
    import hmac

    calls: list[tuple[bytes, bytes]] = []
    original = hmac.compare_digest

    def spy(a: bytes, b: bytes) -> bool:
        calls.append((a, b))
        return original(a, b)

    monkeypatch.setattr(hmac, "compare_digest", spy)
    assert Secret("abc") == Secret("abc")
    assert calls == [(b"abc", b"abc")]


def test_not_hashable() -> None:
    """A secret must not become a dict key or a set member."""
    with pytest.raises(TypeError):
        hash(Secret(PASSWORD))
    with pytest.raises(TypeError):
        _ = {Secret(PASSWORD)}


@pytest.mark.parametrize("protocol", range(pickle.HIGHEST_PROTOCOL + 1))
def test_cannot_be_pickled(protocol: int) -> None:
    """A secret never travels into a cache, a session or a task queue."""
    with pytest.raises(TypeError, match="cannot be pickled"):
        pickle.dumps(Secret(PASSWORD), protocol=protocol)
    with pytest.raises(TypeError, match="cannot be pickled"):
        pickle.dumps({"form": [Secret(PASSWORD)]}, protocol=protocol)


def test_reduce_refuses() -> None:
    """Both pickling hooks refuse, whichever a serialiser calls."""
    secret = Secret(PASSWORD)
    with pytest.raises(TypeError):
        secret.__reduce__()
    with pytest.raises(TypeError):
        secret.__reduce_ex__(2)


def test_copies_are_the_same_object() -> None:
    """copy/deepcopy (frameworks copy form data) do not go through pickling."""
    secret = Secret(PASSWORD)
    assert copy.copy(secret) is secret
    assert copy.deepcopy({"password": secret})["password"] is secret


def test_immutable() -> None:
    """The value cannot be swapped or removed after construction."""
    secret = Secret(PASSWORD)
    with pytest.raises(AttributeError):
        secret._value = "other"  # type: ignore[misc]
    with pytest.raises(AttributeError):
        del secret._value
    with pytest.raises(AttributeError):
        secret.extra = 1  # type: ignore[attr-defined]
    assert secret.reveal() == PASSWORD


@pytest.mark.parametrize("value", [None, 123, b"bytes", ["x"]])
def test_wraps_only_text(value: object) -> None:
    """A secret wraps a str; anything else is a programming error."""
    with pytest.raises(TypeError):
        Secret(value)  # type: ignore[arg-type]


@given(st.text(min_size=4))
def test_never_rendered(value: str) -> None:
    """SEC-1: whatever the value, its renderings are the fixed stars."""
    secret = Secret(value)
    assert str(secret) == "***"
    assert repr(secret) == "Secret('***')"
    assert f"{secret}" == "***"
    assert secret.reveal() == value
    assert secret == Secret(value)

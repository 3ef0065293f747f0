"""SEC-1: passwords are hashed with Argon2id (argon2-cffi) at or above OWASP's minimum,
and a hash made with weaker parameters is flagged for rehashing at the next login."""

from __future__ import annotations

import re

import attrs
import pytest

from klickit_core.adapters.passwords import (
    OWASP_MINIMUM,
    RFC_9106_LOW_MEMORY,
    Argon2PasswordHasher,
)
from klickit_core.shared.sensitive import Secret

PASSWORD = "Correct-Horse-Battery-Staple-2026"
#: ``$argon2id$v=19$m=…,t=…,p=…$salt$digest`` (salt and digest in unpadded base64).
ARGON2ID = re.compile(
    r"\$argon2id\$v=19\$m=(?P<m>[0-9]+),t=(?P<t>[0-9]+),p=(?P<p>[0-9]+)"
    r"\$(?P<salt>[A-Za-z0-9+/]+)\$(?P<digest>[A-Za-z0-9+/]+)"
)
#: OWASP Password Storage Cheat Sheet, Argon2id minimum: 19 MiB, 2 passes, 1 lane.
OWASP_MIN_MEMORY_KIB = 19 * 1024
OWASP_MIN_TIME_COST = 2
OWASP_MIN_PARALLELISM = 1


@attrs.frozen
class Parameters:
    memory_kib: int
    time_cost: int
    parallelism: int


def parameters(password_hash: str) -> Parameters:
    """The Argon2id parameters written in ``password_hash`` (fails on anything else)."""
    match = ARGON2ID.fullmatch(password_hash)
    assert match is not None, "not an Argon2id (v=19) hash"
    return Parameters(int(match["m"]), int(match["t"]), int(match["p"]))


@pytest.fixture(scope="module")
def default_hasher() -> Argon2PasswordHasher:
    return Argon2PasswordHasher()


@pytest.fixture(scope="module")
def owasp_hasher() -> Argon2PasswordHasher:
    return Argon2PasswordHasher(OWASP_MINIMUM)


@pytest.fixture(scope="module")
def default_hash(default_hasher: Argon2PasswordHasher) -> str:
    return default_hasher.hash(Secret(PASSWORD))


@pytest.fixture(scope="module")
def owasp_hash(owasp_hasher: Argon2PasswordHasher) -> str:
    return owasp_hasher.hash(Secret(PASSWORD))


def test_the_default_is_rfc_9106_low_memory(default_hash: str) -> None:
    """SEC-1: the default hasher writes Argon2id with RFC 9106's low-memory profile:
    64 MiB, 3 passes, 4 lanes."""
    assert parameters(default_hash) == Parameters(65536, 3, 4)
    assert (
        RFC_9106_LOW_MEMORY.memory_cost,
        RFC_9106_LOW_MEMORY.time_cost,
        RFC_9106_LOW_MEMORY.parallelism,
    ) == (65536, 3, 4)


def test_owasp_minimum_is_exactly_owasps_numbers(owasp_hash: str) -> None:
    """SEC-1: the light profile for test suites is OWASP's minimum, not below it."""
    assert parameters(owasp_hash) == Parameters(19456, 2, 1)


@pytest.mark.parametrize("which", ["default_hash", "owasp_hash"])
def test_every_profile_meets_owasps_minimum(which: str, request: pytest.FixtureRequest) -> None:
    """SEC-1: whatever the profile, the stored hash is Argon2id with m >= 19456 KiB,
    t >= 2 and p >= 1."""
    password_hash: str = request.getfixturevalue(which)
    assert password_hash.startswith("$argon2id$v=19$")
    found = parameters(password_hash)
    assert found.memory_kib >= OWASP_MIN_MEMORY_KIB
    assert found.time_cost >= OWASP_MIN_TIME_COST
    assert found.parallelism >= OWASP_MIN_PARALLELISM


@pytest.mark.parametrize("which", ["default", "owasp"])
def test_verify_accepts_the_password_and_nothing_else(
    which: str, request: pytest.FixtureRequest
) -> None:
    """SEC-1: the right password verifies; a wrong, empty, truncated or case-changed one
    does not (and none raises)."""
    hasher: Argon2PasswordHasher = request.getfixturevalue(f"{which}_hasher")
    password_hash: str = request.getfixturevalue(f"{which}_hash")
    assert hasher.verify(password_hash, Secret(PASSWORD)) is True
    for wrong in ("", PASSWORD[:-1], PASSWORD + " ", PASSWORD.lower(), "password"):
        assert hasher.verify(password_hash, Secret(wrong)) is False


def test_a_hash_verifies_under_the_other_profile(
    default_hasher: Argon2PasswordHasher,
    owasp_hasher: Argon2PasswordHasher,
    default_hash: str,
    owasp_hash: str,
) -> None:
    """SEC-1: hashes describe their own parameters, so a change of profile never locks
    anyone out: the old hash still verifies, and is then rehashed."""
    assert default_hasher.verify(owasp_hash, Secret(PASSWORD))
    assert owasp_hasher.verify(default_hash, Secret(PASSWORD))


def test_a_weaker_hash_needs_rehash_under_the_default(
    default_hasher: Argon2PasswordHasher,
    owasp_hasher: Argon2PasswordHasher,
    default_hash: str,
    owasp_hash: str,
) -> None:
    """SEC-1: "rehashed when parameters change": a hash made with OWASP_MINIMUM needs a
    rehash under the default profile; a hash made with the current profile does not."""
    assert default_hasher.needs_rehash(owasp_hash) is True
    assert default_hasher.needs_rehash(default_hash) is False
    assert owasp_hasher.needs_rehash(owasp_hash) is False
    rehashed = default_hasher.hash(Secret(PASSWORD))
    assert default_hasher.needs_rehash(rehashed) is False
    assert parameters(rehashed) == parameters(default_hash)


def test_hashes_are_salted(owasp_hasher: Argon2PasswordHasher, owasp_hash: str) -> None:
    """SEC-1: the same password hashed twice gives two different hashes (a random salt
    each), both of which verify."""
    again = owasp_hasher.hash(Secret(PASSWORD))
    assert again != owasp_hash
    first, second = ARGON2ID.fullmatch(owasp_hash), ARGON2ID.fullmatch(again)
    assert first is not None
    assert second is not None
    assert first["salt"] != second["salt"]
    assert owasp_hasher.verify(again, Secret(PASSWORD))


@pytest.mark.parametrize(
    "garbage",
    [
        "",
        "not a hash",
        "$argon2id$",
        "$argon2id$v=19$m=19456,t=2,p=1$",
        "$argon2id$v=19$m=abc,t=2,p=1$c2FsdHNhbHRzYWx0$aGFzaGhhc2hoYXNoaGFzaA",
        "$argon2id$v=19$m=19456,t=2,p=1$!!!!$aGFzaA",
        "$2b$12$R9h/cIPz0gi.URNNX3kh2OPST9/PgBkqquzi.Ss7KIUgO2t0jWMUW",  # bcrypt
        "pbkdf2_sha256$600000$salt$hash",  # Django
        "5f4dcc3b5aa765d61d8327deb882cf99",  # unsalted MD5 of "password"
    ],
)
def test_garbage_hashes_never_verify_and_always_need_rehash(
    default_hasher: Argon2PasswordHasher, owasp_hasher: Argon2PasswordHasher, garbage: str
) -> None:
    """SEC-1, X-9: a stored value that is not an Argon2 hash (imported from WooCommerce,
    corrupted) verifies as False, never raises, and is flagged for rehashing."""
    for hasher in (default_hasher, owasp_hasher):
        assert hasher.verify(garbage, Secret(PASSWORD)) is False
        assert hasher.verify(garbage, Secret("password")) is False
        assert hasher.needs_rehash(garbage) is True


def test_a_truncated_hash_does_not_verify(
    owasp_hasher: Argon2PasswordHasher, owasp_hash: str
) -> None:
    """SEC-1, X-9: a hash cut short (a too-narrow database column) fails closed."""
    for cut in (1, 10, len(owasp_hash) // 2):
        assert owasp_hasher.verify(owasp_hash[:-cut], Secret(PASSWORD)) is False


@pytest.mark.parametrize("which", ["default_hash", "owasp_hash"])
def test_the_password_never_appears_in_the_hash(which: str, request: pytest.FixtureRequest) -> None:
    """SEC-1: the stored value holds no part of the password (nor its case-folded form)."""
    password_hash: str = request.getfixturevalue(which)
    assert PASSWORD not in password_hash
    assert PASSWORD.casefold() not in password_hash.casefold()
    for word in PASSWORD.split("-"):
        assert word.casefold() not in password_hash.casefold()


def test_non_ascii_passwords_round_trip(owasp_hasher: Argon2PasswordHasher) -> None:
    """SEC-1: passwords are hashed as typed (UTF-8), accents and emoji included; the
    composed and decomposed forms of "é" are different passwords (nothing is normalised)."""
    typed = "Mot de passe très sûr — 🔐 №1"
    password_hash = owasp_hasher.hash(Secret(typed))
    assert owasp_hasher.verify(password_hash, Secret(typed))
    assert not owasp_hasher.verify(password_hash, Secret(typed.replace("è", "e\u0300")))


def test_secrets_print_as_stars() -> None:
    """SEC-1: "never logged": a Secret's str, format and repr hide the value."""
    secret = Secret(PASSWORD)
    assert str(secret) == "***"
    assert f"{secret}" == "***"
    assert f"{secret:>20}" == "***"  # a format spec cannot widen it into a leak
    assert "***" in repr(secret)
    assert PASSWORD not in repr(secret)
    assert PASSWORD not in repr([secret, {"password": secret}])
    assert secret.reveal() == PASSWORD

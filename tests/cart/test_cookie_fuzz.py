"""CRT-3 fuzzing: at least 10,000 random and mutated cookie values per run, and only the
typed error ever escapes the decoder.

The seed changes every run (more ground covered over time) and is printed in any failure so
that it can be replayed with ``KLICKIT_FUZZ_SEED``.
"""

from __future__ import annotations

import os
import random
import secrets
from datetime import UTC, datetime, timedelta

from klickit_core.cart.domain import Cart, CartCookieCodec, InvalidCartCookieError, SigningKey

NOW = datetime(2026, 11, 24, 9, 0, tzinfo=UTC)
CASES = 12_000
ALPHABET = b"0123456789.:~-_abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ=;, \x00\xff"


def _valid_values(rng: random.Random, codec: CartCookieCodec, count: int) -> list[bytes]:
    values = []
    for _ in range(count):
        lines = {
            f"SKU-{rng.randrange(10**6)}": rng.randint(1, 999) for _ in range(rng.randint(0, 30))
        }
        moment = NOW - timedelta(seconds=rng.randint(0, 3600))
        values.append(codec.encode(Cart.of(lines), moment).encode("ascii"))
    return values


def _mutate(rng: random.Random, value: bytes) -> bytes:
    data = bytearray(value)
    for _ in range(rng.randint(1, 4)):
        choice = rng.random()
        position = rng.randrange(len(data) + 1)
        if choice < 0.3 and data:
            data[min(position, len(data) - 1)] ^= 1 << rng.randrange(8)
        elif choice < 0.5:
            data.insert(position, rng.choice(ALPHABET))
        elif choice < 0.7 and data:
            del data[min(position, len(data) - 1)]
        elif choice < 0.8:
            data = data[:position]
        elif choice < 0.9:
            parts = bytes(data).split(b".")
            rng.shuffle(parts)
            data = bytearray(b".".join(parts))
        else:
            data = data + data[: rng.randrange(len(data) + 1)]
    return bytes(data)


def _random_value(rng: random.Random) -> bytes | str:
    kind = rng.random()
    size = rng.randint(0, 200)
    if kind < 0.4:
        return bytes(rng.choice(ALPHABET) for _ in range(size))
    if kind < 0.7:
        return rng.randbytes(size)
    if kind < 0.9:
        return "".join(chr(rng.randint(0, 0x10FFFF)) for _ in range(size)).encode(
            "utf-8", "surrogatepass"
        )
    dots = ".".join(str(rng.randint(0, 10**12)) for _ in range(rng.randint(1, 6)))
    return dots + "." + secrets.token_urlsafe(32)[:43]


def test_only_the_typed_error_escapes_the_decoder() -> None:
    seed = int(os.environ.get("KLICKIT_FUZZ_SEED", secrets.randbits(32)))
    rng = random.Random(seed)
    codec = CartCookieCodec([SigningKey("k1", b"s" * 32), SigningKey("old", b"o" * 32)])
    valid = _valid_values(rng, codec, 200)
    valid_set = set(valid)
    rejected = accepted = 0
    for case in range(CASES):
        value: bytes | str
        value = _mutate(rng, rng.choice(valid)) if case % 2 else _random_value(rng)
        try:
            cart = codec.decode(value, NOW)
        except InvalidCartCookieError:
            rejected += 1
            continue
        except Exception as error:  # pragma: no cover - the failure this test looks for
            raise AssertionError(f"seed={seed} case={case}: {type(error).__name__}") from error
        # Only an intact value may decode (a mutation that undid itself is still intact).
        assert isinstance(cart, Cart)
        raw = value.encode("ascii") if isinstance(value, str) else value
        assert raw in valid_set, f"seed={seed} case={case}: a modified value was accepted"
        accepted += 1
    assert rejected + accepted == CASES >= 10_000
    assert rejected > CASES * 0.9, f"seed={seed}: too few rejections, the fuzzer is too gentle"

"""SEC-2, SEC-3, SEC-6: the security settings a Shop carries, with safe defaults."""

from __future__ import annotations

from datetime import timedelta

import pytest

from klickit_core.accounts.security import LoginSettings, ResetSettings, SecuritySettings
from klickit_core.bootstrap import build_shop
from klickit_core.shared.sensitive import Secret
from klickit_core.shared.tokens import InvalidBaseUrlError


def test_a_shop_carries_the_policys_defaults() -> None:
    """The defaults are the issue's: 5 failures per account, 20 per address, in 15 minutes;
    reset links valid 1 hour, 3 per account per hour; links on a development address."""
    settings = build_shop().security_settings
    assert settings.login == LoginSettings(
        account_limit=5,
        ip_limit=20,
        window=timedelta(minutes=15),
        confirmation_ttl=timedelta(minutes=30),
        confirmation_mails=3,
    )
    assert settings.reset == ResetSettings(
        token_ttl=timedelta(hours=1), requests_per_window=3, window=timedelta(hours=1)
    )
    assert settings.base_url == "http://localhost:8000"


def test_a_shop_takes_its_own_settings() -> None:
    mine = SecuritySettings(
        base_url="https://boutique.example.fr",
        login=LoginSettings(account_limit=3),
        reset_path="/mot-de-passe",
    )
    shop = build_shop(security=mine)
    assert shop.security_settings is mine
    link = shop.security_settings.links.link(shop.security_settings.reset_path, Secret("T"))
    assert link == "https://boutique.example.fr/mot-de-passe?token=T"


@pytest.mark.parametrize(
    "overrides",
    [
        {"base_url": "http://boutique.example.fr"},  # plain http off localhost
        {"base_url": "https://boutique.example.fr/?next=/"},
        {"reset_path": "mot-de-passe"},
        {"login_confirmation_path": "//evil.example/confirm"},
    ],
)
def test_bad_link_settings_are_refused_at_start_up(overrides: dict[str, str]) -> None:
    """SEC-6: a misconfigured base URL or path fails when the shop is built, not when the
    first mail goes out."""
    with pytest.raises(InvalidBaseUrlError):
        SecuritySettings(**overrides)

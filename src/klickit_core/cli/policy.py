"""``klickit privacy register``, ``notice`` and ``check``: the policy documents of a shop
(SPEC PRV-7, PRV-8; decision 0015).

Each command reads a policy configuration (TOML, :func:`~klickit_core.policy.config.load_policy`)
and builds the library's shop on ``memory://`` with the schedule the configuration sets
(``PrivacySettings(schedule=config.schedule())``) and the cart cookie lifetime its
``[cart_cookie]`` states (``CartCookieLifetime.shop_options()``; the library's 30-day
cookie without one): no database is needed, since the categories, their rules and their
legal bases are the library's declarations, and the periods are the configuration's. The
notice's automated-decision facts are those of that shop, the library's defaults; a shop
that changes its fraud screen (or its cookie beyond what the configuration states)
renders its notice in Python, from its own shop
(:func:`~klickit_core.policy.notice.notice_facts`).

* ``register`` — the record of processing (art. 30): HTML on standard output; ``--json``
  its JSON instead; ``--out DIR`` writes ``register.html`` and ``register.json`` there and
  prints one line;
* ``notice`` — the privacy notice (art. 13) as HTML or Markdown, on standard output or in
  ``--out FILE``; ``--json`` a JSON report instead (the notice in it as ``text`` unless
  written to a file);
* ``check`` — the items art. 13 (and 14) requires that the configuration does not give.
  Its exit status says the answer: 0 complete, 1 items missing (:data:`INCOMPLETE_STATUS`).

A configuration that cannot be read (:class:`~klickit_core.cli.files.CannotReadError`),
is not TOML, or is wrong (:class:`~klickit_core.policy.config.InvalidPolicyConfigError`),
and a document asked of an incomplete one
(:class:`~klickit_core.policy.completeness.IncompletePolicyError`), are typed errors: one
line on standard error (a sentence, or with ``--json`` the error's JSON), exit status 2,
as for every command.
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

from klickit_core.bootstrap import Shop, build_shop
from klickit_core.cli.files import CannotReadError, CannotWriteError
from klickit_core.cli.output import Output
from klickit_core.policy.completeness import MissingItem, missing_items
from klickit_core.policy.config import (
    InvalidPolicyConfigError,
    PolicyConfig,
    check_policy,
    load_policy,
)
from klickit_core.policy.notice import build_notice, notice_facts
from klickit_core.policy.register import build_register
from klickit_core.privacy.settings import PrivacySettings
from klickit_core.shared.i18n import N_, translate
from klickit_core.shared.serialisation import to_json

__all__ = [
    "INCOMPLETE_STATUS",
    "load_config",
    "run_check",
    "run_notice",
    "run_register",
]

#: The exit status of ``klickit privacy check`` when the configuration lacks items.
INCOMPLETE_STATUS = 1
#: The check that completeness reports as an item of its own (``purposes_and_bases``):
#: ``check`` lists it as missing, it does not refuse the file for it.
_UNCOVERED = "policy.uncovered_category"


def load_config(path: str) -> PolicyConfig:
    """The configuration in the file at ``path``.

    Raises:
        CannotReadError: the file cannot be read (missing, a folder, no permission), with
            its path and the reason.
        InvalidPolicyConfigError: it is not TOML, or not a valid configuration.
    """
    try:
        return load_policy(path)
    except (OSError, UnicodeDecodeError) as error:
        raise CannotReadError.of(error, what="policy", path=path) from None


def _shop(config: PolicyConfig) -> Shop:
    """The library's shop, in memory, on the schedule and the cart cookie ``config`` sets."""
    cookie = {} if config.cart_cookie is None else config.cart_cookie.shop_options()
    return build_shop("memory://", privacy=PrivacySettings(schedule=config.schedule()), **cookie)


def _write(path: Path, text: str, what: str) -> None:
    try:
        path.write_text(text, encoding="utf-8")
    except OSError as error:
        raise CannotWriteError.of(error, what=what, path=path) from None


def _print_json(data: object) -> None:
    print(json.dumps(data, ensure_ascii=False, indent=2))


# ---------------------------------------------------------------------------- register
def run_register(
    config_path: str,
    out: Output,
    *,
    out_dir: str | None = None,
    as_json: bool = False,
    locale: str = "fr",
) -> dict[str, Any]:
    """``klickit privacy register``: the record of processing of the configuration at
    ``config_path`` in ``locale``. Returns a summary as JSON-ready data."""
    from klickit_core.adapters.policy.register_html import (  # noqa: PLC0415 - loads Jinja2
        render_register_html,
    )

    config = load_config(config_path)
    shop = _shop(config)
    try:
        register = build_register(config, shop.privacy_registry(), locale=locale)
    finally:
        shop.close()
    html = render_register_html(register)
    document = to_json(register, locale=locale, indent=2)
    data: dict[str, Any] = {"sheets": len(register.sheets), "html": None, "json": None}
    if out_dir is None:
        text = document if as_json else html
        print(text, end="" if text.endswith("\n") else "\n")
        return data
    folder = Path(out_dir)
    try:
        folder.mkdir(parents=True, exist_ok=True)
    except OSError as error:
        raise CannotWriteError.of(error, what="output", path=out_dir) from None
    html_path, json_path = folder / "register.html", folder / "register.json"
    _write(html_path, html, "html")
    _write(json_path, document + "\n", "json")
    data.update(html=str(html_path), json=str(json_path))
    if as_json:
        _print_json(data)
    else:
        message = N_("{sheets} processing sheets written to {html} and {json}.")
        out.line(translate(message, locale).format(**data))
    return data


# ---------------------------------------------------------------------------- notice
def run_notice(
    config_path: str,
    out: Output,
    *,
    fmt: str = "html",
    out_file: str | None = None,
    as_json: bool = False,
    locale: str = "fr",
) -> dict[str, Any]:
    """``klickit privacy notice``: the privacy notice of the configuration at
    ``config_path``, in ``locale``, as ``fmt`` (``html`` or ``md``). ``as_json`` prints
    the returned report instead (``format``, ``locale``, ``file``; and ``text``, the
    notice, when it is not written to ``out_file``)."""
    from klickit_core.adapters.policy.notice_html import (  # noqa: PLC0415 - loads Jinja2
        render_notice_html,
    )
    from klickit_core.adapters.policy.notice_markdown import (  # noqa: PLC0415
        render_notice_markdown,
    )

    config = load_config(config_path)
    shop = _shop(config)
    try:
        notice = build_notice(config, shop.privacy_registry(), notice_facts(shop), locale=locale)
    finally:
        shop.close()
    text = render_notice_markdown(notice) if fmt == "md" else render_notice_html(notice)
    data: dict[str, Any] = {"format": fmt, "locale": notice.locale, "file": out_file}
    if out_file is None:
        if as_json:
            _print_json({**data, "text": text})
        else:
            print(text, end="" if text.endswith("\n") else "\n")
        return data
    _write(Path(out_file), text, "notice")
    if as_json:
        _print_json(data)
        return data
    message = N_("Privacy notice written to {file}.")
    out.line(translate(message, locale).format(file=out_file))
    return data


# ---------------------------------------------------------------------------- check
def _consistency(config: PolicyConfig, shop: Shop) -> tuple[str, ...]:
    """Check ``config`` against the shop's registry: every problem but an uncovered
    category is raised; the uncovered categories (a completeness item) are returned."""
    try:
        check_policy(config, shop.privacy_registry(), cart_cookie=shop.cart_cookie)
    except InvalidPolicyConfigError as error:
        others = [problem for problem in error.errors if problem.code != _UNCOVERED]
        InvalidPolicyConfigError.raise_if_any(others)
        return tuple(str(problem.path[-1]) for problem in error.errors)
    return ()


def _item_data(item: MissingItem, locale: str) -> dict[str, Any]:
    return {
        "item": item.item,
        "article": item.article,
        "message": item.message(locale),
    }


def run_check(
    config_path: str, out: Output, *, as_json: bool = False, locale: str = "fr"
) -> dict[str, Any]:
    """``klickit privacy check``: what art. 13 (and 14) requires that the configuration
    at ``config_path`` does not give, against the library's registry. ``complete`` in the
    result is the answer (the command exits :data:`INCOMPLETE_STATUS` without it)."""
    config = load_config(config_path)
    shop = _shop(config)
    try:
        uncovered = _consistency(config, shop)
        missing = missing_items(config, shop.privacy_registry())
    finally:
        shop.close()
    data: dict[str, Any] = {
        "complete": not missing,
        "missing": [_item_data(item, locale) for item in missing],
        "uncovered_categories": list(uncovered),
    }
    if as_json:
        _print_json(data)
        return data
    if not missing:
        out.line(
            translate(
                N_("The policy configuration gives every item GDPR art. 13 requires."), locale
            )
        )
        return data
    out.line(
        translate(N_("The policy configuration lacks {count} items:"), locale).format(
            count=len(missing)
        )
    )
    for item in missing:
        out.line(f"- {item.item}: {item.message(locale)}")
    if uncovered:
        message = N_("Categories of data no purpose covers: {categories}.")
        out.line(translate(message, locale).format(categories=", ".join(uncovered)))
    return data

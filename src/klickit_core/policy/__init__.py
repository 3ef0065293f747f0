"""The shop's privacy policy as output (SPEC PRV-7, PRV-8; decision 0015).

The notice a person reads (art. 13) and the record of processing (art. 30) are built from
the code's declarations (the bound privacy registry: categories, retention rules, legal
bases) and from one configuration file holding what the code cannot know:

* :mod:`~klickit_core.policy.config` — the configuration: controller, privacy contact,
  processors, purposes, rights, authority, periods, the cart cookie's lifetime; its shape
  and consistency checks;
* :mod:`~klickit_core.policy.completeness` — what GDPR art. 13 (and 14) asks that a
  configuration does not say, item by item, with the article.

This package is framework-free: rendering (HTML, Markdown) lives in
``klickit_core.adapters.policy``.
"""

from klickit_core.policy.config import (
    CNIL,
    EEA_COUNTRIES,
    PURPOSE_BASES,
    RIGHT_LABELS,
    ROLE_LABELS,
    CartCookieLifetime,
    Controller,
    ExternalCategory,
    InvalidPolicyConfigError,
    LocalText,
    PolicyConfig,
    PrivacyContact,
    Processor,
    ProcessorRole,
    Purpose,
    Requirement,
    Right,
    SupervisoryAuthority,
    check_policy,
    is_in_eea,
    load_policy,
    policy_from_mapping,
)

__all__ = [
    "CNIL",
    "EEA_COUNTRIES",
    "PURPOSE_BASES",
    "RIGHT_LABELS",
    "ROLE_LABELS",
    "CartCookieLifetime",
    "Controller",
    "ExternalCategory",
    "InvalidPolicyConfigError",
    "LocalText",
    "PolicyConfig",
    "PrivacyContact",
    "Processor",
    "ProcessorRole",
    "Purpose",
    "Requirement",
    "Right",
    "SupervisoryAuthority",
    "check_policy",
    "is_in_eea",
    "load_policy",
    "policy_from_mapping",
]

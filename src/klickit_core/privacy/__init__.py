"""The privacy engine (SPEC PRV-1 … PRV-4): retention schedule, sweeps, export, erasure.

It knows no context by name (an import-linter contract says so): it walks a
:class:`~klickit_core.privacy.registry.PrivacyRegistry` of
:class:`~klickit_core.personal_data.provider.PersonalDataProvider` instances that the
composition root — or a downstream app — registers.

* :mod:`~klickit_core.privacy.retention` — the schedule as data, calendar cutoffs;
* :mod:`~klickit_core.privacy.registry` — providers, bound to a schedule;
* :mod:`~klickit_core.privacy.sweep` — the resumable, batched retention sweep;
* :mod:`~klickit_core.privacy.bundle`, :mod:`~klickit_core.privacy.export` — the export
  bundle and its JSON schema;
* :mod:`~klickit_core.privacy.erasure` — erasure with its report;
* :mod:`~klickit_core.privacy.ports` — checkpoints, audit log, bundle renderer, and the
  repositories of requests, bundles, the erasure ledger and the subject directory;
* :mod:`~klickit_core.privacy.records`, :mod:`~klickit_core.privacy.settings` — request
  and ledger records, the shop's privacy settings;
* :mod:`~klickit_core.privacy.requests` — access and erasure requests: confirmation by
  email, deadlines, delivery through a single-use link (PRV-3, PRV-4);
* :mod:`~klickit_core.privacy.ledger` — the erasure ledger, re-applied after a restore
  (PRV-6);
* :mod:`~klickit_core.privacy.personal_data` — the engine's own provider (requests and
  export bundles are personal data too).
"""

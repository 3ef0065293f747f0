"""PRV-3: the export bundle — every provider's data, JSON valid against its schema, HTML
that agrees with the JSON, is self-contained, and keeps hostile text inert."""

from __future__ import annotations

import json
from collections.abc import Iterator, Sequence
from datetime import datetime, timedelta
from html.parser import HTMLParser
from importlib import resources

import jsonschema
import pytest
from hypothesis import given, settings

from klickit_core.adapters.export import HtmlBundleRenderer, format_value
from klickit_core.adapters.memory.base import MemoryStore
from klickit_core.personal_data import (
    CONTRACT,
    ClockEvent,
    DataCategory,
    DataSubject,
    ExportField,
    ExportRecord,
    ExportSection,
    FieldKind,
    PersonalField,
)
from klickit_core.privacy.bundle import (
    EXPORT_SCHEMA_ID,
    ExportBundle,
    bundle_to_dict,
    bundle_to_json,
    export_schema,
)
from klickit_core.privacy.export import export_subject
from klickit_core.privacy.ports import BundleRenderer, PrivacyAction
from klickit_core.privacy.registry import PrivacyRegistry, ProviderContractError
from klickit_core.shared.actors import Actor, Role
from klickit_core.shared.errors import PermissionDeniedError
from klickit_core.shared.i18n import translate
from klickit_core.shared.serialisation import unstructure
from klickit_core.testing import SequentialIds
from klickit_core.testing import strategies as kst

from .fakes import (
    HOSTILE,
    LONG,
    NOW,
    SHORT,
    FakeUnitOfWork,
    Note,
    NotesProvider,
    add_notes,
    sample_bundle,
    schedule,
)

ANA = DataSubject.of("ana@example.fr", "cust-ana")
ADMIN = Actor("admin-1", Role.ADMINISTRATOR)
VALIDATOR = jsonschema.Draft202012Validator(export_schema())


class ProfileProvider(NotesProvider):
    """A second provider (a downstream app's, say) holding one profile per person."""

    @property
    def name(self) -> str:
        return "profiles"

    def categories(self) -> Sequence[DataCategory]:
        return (
            DataCategory(
                "profiles.main",
                "Profile",
                "What you told us about yourself",
                (PersonalField("nickname", "Nickname"),),
                "accounts.inactive",
                ClockEvent.LAST_ACTIVITY,
                CONTRACT,
            ),
        )

    def export(self, uow: FakeUnitOfWork, subject: DataSubject) -> Sequence[ExportSection]:
        record = ExportRecord(
            "Profile",
            subject.customer_id or "",
            (
                ExportField("nickname", "Nickname", f"Nick {HOSTILE}"),
                ExportField("email", "Email", subject.email, FieldKind.EMAIL),
            ),
        )
        return (ExportSection("profiles", "profiles.main", "Profile", (record,)),)


def shop() -> tuple[MemoryStore, PrivacyRegistry[FakeUnitOfWork]]:
    store = MemoryStore()
    add_notes(
        store,
        [
            Note("n-1", SHORT, "ana@example.fr", HOSTILE, "Hello\n<b>bold</b>", NOW),
            Note("n-2", LONG, "ana@example.fr", "Ana", "Invoice", NOW - timedelta(days=3)),
            Note("n-3", SHORT, "bob@example.com", "Bob", "Not Ana's", NOW),
        ],
    )
    return store, PrivacyRegistry([NotesProvider(), ProfileProvider()])


def export(
    store: MemoryStore,
    registry: PrivacyRegistry[FakeUnitOfWork],
    actor: Actor = ADMIN,
    locale: str = "fr",
    ids: SequentialIds | None = None,
) -> ExportBundle:
    return export_subject(
        registry.bind(schedule()),
        FakeUnitOfWork(store),
        actor,
        ANA,
        now=NOW,
        ids=ids or SequentialIds("x"),
        locale=locale,
        reference="req-1",
    )


# ---------------------------------------------------------------------------- gathering
def test_every_provider_s_data_is_in_the_bundle_and_nobody_else_s() -> None:
    store, registry = shop()
    bundle = export(store, registry)
    assert [(s.provider, s.category_id) for s in bundle.sections] == [
        ("notes", SHORT),
        ("notes", LONG),
        ("profiles", "profiles.main"),
    ]
    references = [r.reference for s in bundle.sections for r in s.records]
    assert references == ["n-1", "n-2", "cust-ana"]
    text = bundle_to_json(bundle)
    assert "bob@example.com" not in text
    assert "Not Ana" not in text
    assert bundle.subject == ANA
    assert [n.category.id for n in bundle.categories] == [SHORT, LONG, "profiles.main"]
    assert bundle.record_count == 3


def test_the_export_is_audited_with_counts_only() -> None:
    store, registry = shop()
    export(store, registry)
    uow = FakeUnitOfWork(store)
    with uow:
        (entry,) = uow.privacy_audit.entries(action=PrivacyAction.EXPORT)
    assert entry.reference == "req-1"
    assert {t.category_id: t.examined for t in entry.tallies} == {
        SHORT: 1,
        LONG: 1,
        "profiles.main": 1,
    }
    assert "ana@" not in json.dumps(unstructure(entry)) + repr(entry)


@pytest.mark.parametrize(
    ("actor", "allowed"),
    [
        # A customer exports themselves by their account: export_own_data.
        (Actor("cust-ana", Role.CUSTOMER, "cust-ana"), False),
        (Actor("manager-1", Role.SHOP_MANAGER), True),
        (Actor.system("privacy-request"), True),
        (Actor("cust-bob", Role.CUSTOMER, "cust-bob"), False),
        (Actor.visitor(), False),
    ],
)
def test_who_may_export(actor: Actor, allowed: bool) -> None:
    store, registry = shop()
    if allowed:
        assert export(store, registry, actor).record_count == 3
    else:
        with pytest.raises(PermissionDeniedError):
            export(store, registry, actor)


class Foreign(ProfileProvider):
    def export(self, uow: FakeUnitOfWork, subject: DataSubject) -> Sequence[ExportSection]:
        return (ExportSection("profiles", SHORT, "Not mine", ()),)


class NotASection(ProfileProvider):
    def export(self, uow: FakeUnitOfWork, subject: DataSubject) -> Sequence[ExportSection]:
        return ("text",)  # type: ignore[return-value]


@pytest.mark.parametrize(
    ("provider", "reason"), [(Foreign(), "foreign_category"), (NotASection(), "not_a_section")]
)
def test_a_provider_exports_only_its_own_categories(provider: NotesProvider, reason: str) -> None:
    store, _ = shop()
    with pytest.raises(ProviderContractError) as caught:
        export(store, PrivacyRegistry([NotesProvider(), provider]))
    assert caught.value.details == {"provider": "profiles", "reason": reason}


# ---------------------------------------------------------------------------- JSON
def test_the_schema_ships_in_the_package_and_is_valid() -> None:
    shipped = resources.files("klickit_core.privacy").joinpath("export-schema.json")
    assert json.loads(shipped.read_text("utf-8")) == export_schema()
    jsonschema.Draft202012Validator.check_schema(export_schema())
    assert export_schema()["$id"] == EXPORT_SCHEMA_ID


def test_the_json_validates_and_keeps_value_types() -> None:
    data = bundle_to_dict(sample_bundle())
    VALIDATOR.validate(data)
    assert data["format"] == "klickit.personal-data-export"
    assert data["schema_version"] == 1
    fields = {f["key"]: f for f in data["sections"][0]["records"][0]["fields"]}
    assert fields["written_at"] == {
        "key": "written_at",
        "label": translate("Written at", "fr"),
        "kind": "plain",
        "type": "datetime",
        "value": "2026-11-21T09:00:00Z",
    }
    assert (fields["price"]["type"], fields["price"]["value"], fields["price"]["currency"]) == (
        "decimal",
        "1234.50",
        "EUR",
    )
    assert (fields["held"]["type"], fields["held"]["value"]) == ("boolean", False)
    assert (fields["length"]["type"], fields["length"]["value"]) == ("integer", 12345)
    assert (fields["day"]["type"], fields["day"]["value"]) == ("date", "2026-02-28")
    assert (fields["account"]["type"], fields["account"]["value"]) == ("null", None)
    long = next(c for c in data["categories"] if c["id"] == LONG)
    assert long["retention"]["period"] == "P1Y"
    assert long["retention"]["action"] == "anonymise"
    assert long["legal_basis"]["code"] == "fr.commerce.l123_22"


def test_the_schema_refuses_what_it_should() -> None:
    data = bundle_to_dict(sample_bundle())
    field = data["sections"][0]["records"][0]["fields"][0]
    field["value"] = 1.5
    assert not VALIDATOR.is_valid(data)
    field["value"], field["password_hash"] = "x", "argon2id$..."
    assert not VALIDATOR.is_valid(data)
    data = bundle_to_dict(sample_bundle())
    data["schema_version"] = 2
    assert not VALIDATOR.is_valid(data)


@settings(max_examples=60)
@given(kst.export_bundles())
def test_every_bundle_gives_valid_json(bundle: ExportBundle) -> None:
    VALIDATOR.validate(json.loads(bundle_to_json(bundle)))


def test_a_gathered_bundle_is_valid_in_both_languages() -> None:
    store, registry = shop()
    ids = SequentialIds("x")
    for locale in ("fr", "en"):
        data = json.loads(bundle_to_json(export(store, registry, locale=locale, ids=ids)))
        VALIDATOR.validate(data)
        assert data["locale"] == locale


# ---------------------------------------------------------------------------- HTML
class Page(HTMLParser):
    """Collects tags, attributes, text and the value cells of a rendered bundle."""

    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.tags: list[tuple[str, dict[str, str | None]]] = []
        self.text: list[str] = []
        self.cells: list[dict[str, str]] = []
        self._cell: dict[str, str] | None = None

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        attributes = dict(attrs)
        self.tags.append((tag, attributes))
        if tag == "td" and "data-key" in attributes:
            self._cell = {k: v or "" for k, v in attributes.items()} | {"text": ""}

    def handle_endtag(self, tag: str) -> None:
        if tag == "td" and self._cell is not None:
            self.cells.append(self._cell)
            self._cell = None

    def handle_data(self, data: str) -> None:
        self.text.append(data)
        if self._cell is not None:
            self._cell["text"] += data


def parse(html: str) -> Page:
    page = Page()
    page.feed(html)
    page.close()
    return page


def json_fields(records: list[dict[str, object]]) -> Iterator[dict[str, object]]:
    for record in records:
        yield from record["fields"]  # type: ignore[misc]
        yield from json_fields(record["children"])  # type: ignore[arg-type]


def bundle_fields(records: Sequence[ExportRecord]) -> Iterator[ExportField]:
    for record in records:
        yield from record.fields
        yield from bundle_fields(record.children)


#: Issue #16 folds each record in ``<details>``/``<summary>`` (no script), its body a ``div``.
ALLOWED_TAGS = {
    "html", "head", "meta", "title", "style", "body", "header", "h1", "h2", "h3", "h4", "p",
    "section", "table", "thead", "tbody", "tr", "th", "td", "nav", "ol", "li", "a", "span",
    "main", "article", "strong", "br", "time", "details", "summary", "div",
}  # fmt: skip


def check_agreement_and_safety(bundle: ExportBundle, locale: str) -> Page:
    html = HtmlBundleRenderer().render(bundle, locale)
    page = parse(html)
    data = bundle_to_dict(bundle)
    # HTML and JSON agree: the same fields, in the same order, with the same values.
    expected = [f for s in data["sections"] for f in json_fields(s["records"])]
    assert [c["data-key"] for c in page.cells] == [f["key"] for f in expected]
    assert [c["data-type"] for c in page.cells] == [f["type"] for f in expected]
    for cell, field in zip(page.cells, expected, strict=True):
        value = field["value"]
        if value is None:
            assert cell["data-value"] == ""
        elif isinstance(value, bool):
            assert cell["data-value"] == str(value).lower()
        else:
            assert cell["data-value"] == str(value)
    # Every value reads in the page as the person's language shows it.
    shown = [f for s in bundle.sections for f in bundle_fields(s.records)]
    for cell, field in zip(page.cells, shown, strict=True):
        assert cell["text"] == format_value(field, locale)
        if isinstance(field.value, str):
            assert field.value in "".join(page.text)
    # Safe and self-contained: only known tags, no scripts, handlers, or outside resources.
    assert {tag for tag, _ in page.tags} <= ALLOWED_TAGS
    for _tag, attributes in page.tags:
        assert not any(name.startswith("on") for name in attributes), attributes
        assert "src" not in attributes
        assert (attributes.get("href") or "#").startswith("#")
    lowered = html.lower()
    for forbidden in ("<script", "<img", "<link", "<iframe", "url(", "@import", "http:", "https:"):
        assert forbidden not in lowered, forbidden
    return page


@pytest.mark.parametrize("locale", ["fr", "en"])
def test_html_and_json_agree_and_hostile_text_is_inert(locale: str) -> None:
    store, registry = shop()
    bundle = export(store, registry, locale=locale)
    page = check_agreement_and_safety(bundle, locale)
    text = "".join(page.text)
    assert text.count(HOSTILE) >= 2  # shown as text, in the note's name and the nickname
    assert "<b>bold</b>" in text


@settings(max_examples=40)
@given(kst.export_bundles())
def test_html_and_json_agree_for_any_bundle(bundle: ExportBundle) -> None:
    check_agreement_and_safety(bundle, bundle.locale)


@pytest.mark.parametrize(
    ("locale", "title", "yes"),
    [("fr", "Vos données personnelles", "Non"), ("en", "Your personal data", "No")],
)
def test_the_page_reads_in_french_or_english(locale: str, title: str, yes: str) -> None:
    html = HtmlBundleRenderer().render(sample_bundle(locale=locale), locale)
    page = parse(html)
    assert ("html", {"lang": locale}) in page.tags
    text = "".join(page.text)
    assert f"{title} — Klickit" in text
    assert yes in [c["text"] for c in page.cells if c["data-key"] == "held"]
    if locale == "fr":
        assert "1\u202f234,50\xa0€" in text
        assert "28 février 2026" in text
        assert "21 nov. 2026, 10:00:00" in text  # Paris time
    else:
        assert "€1,234.50" in text
        assert "28 February 2026" in text


def test_the_page_has_contents_print_styles_and_a_strict_policy() -> None:
    html = HtmlBundleRenderer().render(sample_bundle(), "fr")
    page = parse(html)
    anchors = {a.get("href") for tag, a in page.tags if tag == "a"}
    ids = {a.get("id") for _, a in page.tags}
    assert {"#section-1", "#categories", "#top"} <= anchors
    assert {anchor[1:] for anchor in anchors if anchor} <= ids
    assert "@media print" in html
    csp = next(a for t, a in page.tags if t == "meta" and a.get("http-equiv"))
    assert "default-src 'none'" in (csp.get("content") or "")
    assert isinstance(HtmlBundleRenderer(), BundleRenderer)
    assert HtmlBundleRenderer.extension == "html"


def test_values_are_formatted_for_people() -> None:
    moment = datetime(2026, 7, 14, 20, 30, tzinfo=NOW.tzinfo)
    assert format_value(ExportField("a", "A", moment), "fr") == "14 juil. 2026, 22:30:00"
    assert format_value(ExportField("a", "A", None), "en") == "—"
    assert format_value(ExportField("a", "A", True), "fr") == translate("Yes", "fr")
    assert format_value(ExportField("a", "A", "plain"), "fr") == "plain"

"""The requirements pages (issue #16): a reader of the repository alone can follow any
spec id the code, the tests and the docs cite.

``docs/requirements/index.md`` lists every id in its tables. Each id has one section on
its area's page (``## CRT-3 Cart cookie``): one sentence, then the modules that implement
it and the tests that hold it. These tests check that

- every id cited in ``src/``, ``tests/``, ``examples/``, the other docs pages and the
  README is listed and has its section (so a new id cannot go undocumented);
- every id written on the requirements pages is listed (so a typo fails);
- each section is one sentence, and its links lead somewhere: modules documented in the
  API reference, test files that exist and cite the id.

The checks are functions of the pages' text, so the last tests show them failing on a
copy of the pages with a section removed or an id mistyped.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Mapping
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent
DOCS = ROOT / "docs"
REQUIREMENTS = DOCS / "requirements"
INDEX = "index.md"

#: The id prefixes of the specification, one per area (X is cross-cutting).
PREFIXES = ("X", "CAT", "SES", "CRT", "CHK", "ORD", "PAY", "SEC", "PRV", "BAK", "BRE", "ANA", "CON")
SPEC_ID = re.compile(rf"\b(?:{'|'.join(PREFIXES)})-\d+\b")
#: A row of the index's tables: ``| [CRT-3](catalogue-cart.md#crt-3-cart-cookie) | ...``.
LISTED = re.compile(
    r"^\| \[(?P<id>[A-Z]+-\d+)\]\((?P<page>[\w-]+\.md)#(?P<anchor>[\w-]+)\) \|", re.M
)
#: A requirement's section heading on an area page.
SECTION = re.compile(r"^## (?P<id>[A-Z]+-\d+) (?P<name>.+)$", re.M)
MODULE_LINK = re.compile(r"\{mod\}`(?P<module>[\w.]+)`")
FILE_LINK = re.compile(r"\]\(\.\./\.\./(?P<path>[^)#\s]+)\)")
AUTOMODULE = re.compile(r"^\.\. automodule:: (?P<module>[\w.]+)\s*$", re.M)
SENTENCE_END = re.compile(r"[.!?](?=\s|$)")

#: Where ids are cited: the code, the tests, the example apps and the other docs pages.
CITING = ("src", "tests", "examples", "docs")
TEXT_SUFFIXES = frozenset(
    {".py", ".md", ".rst", ".txt", ".toml", ".cfg", ".ini", ".json", ".yml", ".yaml",
     ".html", ".jinja", ".j2", ".mako", ".po", ".pot", ".css", ".js"}
)  # fmt: skip
SKIPPED_PARTS = frozenset({"__pycache__", "_build", ".hypothesis", "node_modules"})


# ------------------------------------------------------------------ reading the repository
def requirement_pages() -> dict[str, str]:
    """``{file name: text}`` of every page in ``docs/requirements/``."""
    return {path.name: path.read_text("utf-8") for path in sorted(REQUIREMENTS.glob("*.md"))}


def cited_ids() -> dict[str, list[str]]:
    """``{id: [files citing it]}`` over the code, tests, examples, docs and the README,
    the requirements pages excepted (they are what is checked)."""
    files: list[Path] = [ROOT / "README.md"]
    for top in CITING:
        files += [
            path
            for path in (ROOT / top).rglob("*")
            if path.is_file()
            and path.suffix in TEXT_SUFFIXES
            and not SKIPPED_PARTS & set(path.parts)
            and REQUIREMENTS not in path.parents
        ]
    found: dict[str, list[str]] = {}
    for path in files:
        for spec_id in set(SPEC_ID.findall(path.read_text("utf-8", errors="replace"))):
            found.setdefault(spec_id, []).append(str(path.relative_to(ROOT)))
    return found


def documented_modules() -> set[str]:
    """The modules the API reference documents with ``automodule``."""
    return {
        match["module"]
        for path in (DOCS / "api").glob("*.md")
        for match in AUTOMODULE.finditer(path.read_text("utf-8"))
    }


# ------------------------------------------------------------------ the checks
def slug(heading: str) -> str:
    """The anchor MyST (and GitHub) give a heading."""
    return re.sub(r"[^\w\- ]", "", heading.strip().lower().replace(" ", "-"))


def listed_ids(pages: Mapping[str, str]) -> dict[str, tuple[str, str]]:
    """``{id: (page, anchor)}`` from the index's tables; a duplicate row is an error."""
    listed: dict[str, tuple[str, str]] = {}
    for match in LISTED.finditer(pages[INDEX]):
        assert match["id"] not in listed, f"{match['id']} is listed twice"
        listed[match["id"]] = (match["page"], match["anchor"])
    return listed


def sections(pages: Mapping[str, str]) -> dict[str, list[tuple[str, str, str]]]:
    """``{id: [(page, heading, body)]}``: every requirement section of the area pages."""
    found: dict[str, list[tuple[str, str, str]]] = {}
    for page, text in pages.items():
        if page == INDEX:
            continue
        matches = list(SECTION.finditer(text))
        for match, following in zip(matches, [*matches[1:], None], strict=True):
            end = following.start() if following is not None else len(text)
            heading = f"{match['id']} {match['name']}"
            found.setdefault(match["id"], []).append((page, heading, text[match.end() : end]))
    return found


def undescribed(cited: Iterable[str], pages: Mapping[str, str]) -> set[str]:
    """The cited ids that are not listed in the index or have no section."""
    listed = listed_ids(pages)
    described = sections(pages)
    return {spec_id for spec_id in cited if spec_id not in listed or spec_id not in described}


def unlisted_on_pages(pages: Mapping[str, str]) -> dict[str, set[str]]:
    """``{page: ids}`` written on the requirements pages but missing from the index."""
    listed = listed_ids(pages)
    found: dict[str, set[str]] = {}
    for page, text in pages.items():
        unknown = set(SPEC_ID.findall(text)) - set(listed)
        if unknown:
            found[page] = unknown
    return found


# ------------------------------------------------------------------ the tests
PAGES = requirement_pages()
LISTED_IDS = listed_ids(PAGES)
SECTIONS = sections(PAGES)


def test_the_index_lists_every_area_and_every_id_once() -> None:
    """Every area page is in the index's toctree, and at least one id of each prefix is
    listed (the tables are the list of ids; ``listed_ids`` refuses a duplicate row)."""
    areas = {page for page in PAGES if page != INDEX}
    assert areas, "no area page"
    for page in areas:
        assert f"\n{page.removesuffix('.md')}\n" in PAGES[INDEX], f"{page} not in the toctree"
    assert {spec_id.split("-")[0] for spec_id in LISTED_IDS} == set(PREFIXES)


@pytest.mark.parametrize("spec_id", sorted(LISTED_IDS))
def test_a_listed_id_has_one_section_on_the_page_its_row_names(spec_id: str) -> None:
    """One ``## ID name`` section per listed id, on the page and at the anchor its row
    links to."""
    page, anchor = LISTED_IDS[spec_id]
    assert [(p, slug(h)) for p, h, _ in SECTIONS.get(spec_id, [])] == [(page, anchor)]


@pytest.mark.parametrize("spec_id", sorted(LISTED_IDS))
def test_a_section_is_one_sentence_then_its_code_and_tests(spec_id: str) -> None:
    """The body is one sentence, a ``- Code:`` line and a ``- Tests:`` line, in that
    order; "none yet" stands for a requirement nothing implements."""
    ((_page, _heading, body),) = SECTIONS[spec_id]
    paragraphs = [part.strip() for part in body.strip().split("\n\n")]
    assert len(paragraphs) == 2, paragraphs
    sentence, links = paragraphs
    assert len(SENTENCE_END.findall(sentence)) == 1, sentence
    assert sentence.endswith("."), sentence
    code, tests = links.splitlines()
    assert code.startswith("- Code: ")
    assert tests.startswith("- Tests: ")


@pytest.mark.parametrize("spec_id", sorted(LISTED_IDS))
def test_code_links_name_modules_of_the_api_reference(spec_id: str) -> None:
    """Each module a section links exists and has its page in the API reference, so the
    link leads to its documentation (and from there to its source)."""
    ((_page, _heading, body),) = SECTIONS[spec_id]
    documented = documented_modules()
    for match in MODULE_LINK.finditer(body):
        module = match["module"]
        source = ROOT / "src" / Path(*module.split("."))
        assert source.with_suffix(".py").is_file() or (source / "__init__.py").is_file(), module
        assert module in documented, f"{module} is not in docs/api/"


@pytest.mark.parametrize("spec_id", sorted(LISTED_IDS))
def test_file_links_exist_and_tests_cite_their_id(spec_id: str) -> None:
    """Each linked file exists; a linked test file cites the id it is linked under."""
    ((_page, _heading, body),) = SECTIONS[spec_id]
    for match in FILE_LINK.finditer(body):
        path = ROOT / match["path"]
        assert path.is_file(), match["path"]
        if match["path"].startswith("tests/"):
            assert spec_id in SPEC_ID.findall(path.read_text("utf-8")), match["path"]


def test_every_cited_id_is_described() -> None:
    """#16: every spec id cited in the code, the tests, the examples and the docs has its
    row in the index and its section on an area page."""
    cited = cited_ids()
    assert len(cited) >= 40, "the scan found too few ids to be looking at the repository"
    missing = undescribed(cited, PAGES)
    assert not missing, {spec_id: cited[spec_id][:3] for spec_id in sorted(missing)}


def test_every_id_on_the_requirements_pages_is_listed() -> None:
    """An id written on the requirements pages but absent from the index is a typo."""
    assert unlisted_on_pages(PAGES) == {}


# ------------------------------------------------------------------ the checks can fail
def _without_section(pages: Mapping[str, str], spec_id: str) -> dict[str, str]:
    """The pages with ``spec_id``'s section and index row removed."""
    trimmed: dict[str, str] = {}
    for page, text in pages.items():
        without_row = re.sub(rf"^\| \[{spec_id}\]\(.*\n", "", text, flags=re.M)
        trimmed[page] = re.sub(rf"^## {spec_id} .*?(?=^## |\Z)", "", without_row, flags=re.M | re.S)
    return trimmed


def test_removing_a_cited_ids_section_is_caught() -> None:
    """With one cited id's section and row taken out, the check reports exactly that id."""
    cited = cited_ids()
    removed = sorted(set(cited) & set(LISTED_IDS))[0]
    assert undescribed(cited, _without_section(PAGES, removed)) == {removed}
    assert undescribed(cited, PAGES) == set()


def test_a_mistyped_id_on_a_page_is_caught() -> None:
    """An id that is not in the index, written on an area page, is reported with its page."""
    page = next(name for name in PAGES if name != INDEX)
    typo = f"{sorted(LISTED_IDS)[0]}9"  # e.g. a digit too many
    assert typo not in LISTED_IDS
    pages = {**PAGES, page: PAGES[page] + f"\nSee also {typo}.\n"}
    assert unlisted_on_pages(pages) == {page: {typo}}

"""The documentation describes the project as it is, and only the project.

A user who clones the repository has README.md and docs/ and nothing else, so these tests
compare the docs with the code they describe: every API route, every ``flagdesk`` command and
every ``FLAGDESK_*`` setting must be documented, no file may send the reader to documents that
are not in the repository, and every relative link must lead somewhere. A new route, command or
setting without its documentation fails here.
"""

from __future__ import annotations

import ast
import re
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent
DOCS = ROOT / "docs"
README = ROOT / "README.md"
API_DOCS = (DOCS / "api.md", DOCS / "matching.md")

# Documents of the team that built flagdesk, which a clone of the repository does not have.
OUTSIDE_POINTERS = ("spec/api.md", "STYLE.md", "DESIGN.md", "../shared")
TEXT_SUFFIXES = {".py", ".md", ".html", ".txt", ".json", ".js", ".css", ".po", ".toml"}

METHOD_AND_PATH = re.compile(r"\b(GET|POST|PUT|PATCH|DELETE)\s+(/[^\s`|)\]?,;]*)")
LINK = re.compile(r"!?\[[^\]]*\]\(\s*<?([^)\s>]+)>?(?:\s+\"[^\"]*\")?\s*\)")
FENCE = re.compile(r"^(```|~~~).*?^\1[^\n]*$", re.M | re.S)
HEADING = re.compile(r"^#{1,6}\s+(.+?)\s*#*\s*$", re.M)


def _read(path: Path) -> str:
    return path.read_text(encoding="utf-8")


def _prose(text: str) -> str:
    """Markdown without its fenced code blocks (a shell prompt ``# apt-get`` is no heading)."""
    return FENCE.sub("", text)


def _endpoint(method: str, path: str) -> tuple[str, str]:
    """``("GET", "/items/{}")`` for ``GET /api/v1/items/{item_id}`` or ``GET /items/{id}``:
    docs may name path parameters as they like, and may omit the ``/api/v1`` prefix."""
    path = path.rstrip(".:")
    path = path.removeprefix("/api/v1")
    path = re.sub(r"\{[^}]*\}", "{}", path)
    return method.upper(), path.rstrip("/") or "/"


def _documented_endpoints(*paths: Path) -> set[tuple[str, str]]:
    found = set()
    for path in paths:
        for method, route in METHOD_AND_PATH.findall(_read(path)):
            found.add(_endpoint(method, route))
    return found


def _api_routes() -> set[tuple[str, str]]:
    from flagdesk.site.api import api

    schema = api.get_openapi_schema(path_prefix="")
    return {
        _endpoint(method, path)
        for path, operations in schema["paths"].items()
        for method in operations
    }


def test_every_api_route_is_documented():
    routes = _api_routes()
    assert ("POST", "/reports") in routes  # the route list itself is read correctly
    missing = sorted(routes - _documented_endpoints(*API_DOCS))
    assert not missing, "API routes missing from docs/api.md and docs/matching.md: " + ", ".join(
        f"{m} {p}" for m, p in missing
    )


def test_every_mounted_api_path_is_in_the_openapi_description():
    """The route check reads the OpenAPI description; a route hidden from it would escape."""
    from flagdesk.site.api import api

    def route(pattern: object) -> str:
        return "/" + re.sub(r"<(?:\w+:)?\w+>", "{}", str(pattern))

    mounted = {route(p.pattern) for p in api.urls[0]} - {"/", "/docs", "/openapi.json"}
    described = {path for _method, path in _api_routes()}
    assert mounted <= described, f"mounted but not described: {sorted(mounted - described)}"


def test_documented_endpoints_exist():
    """Each endpoint heading of docs/api.md names a route the API really has."""
    routes = _api_routes()
    headings = HEADING.findall(_prose(_read(DOCS / "api.md")))
    documented = set()
    for heading in headings:
        for method, route in METHOD_AND_PATH.findall(heading):
            documented.add(_endpoint(method, route))
    assert documented, "docs/api.md has no endpoint headings"
    unknown = sorted(documented - routes)
    assert not unknown, f"docs/api.md documents routes the API lacks: {unknown}"


def _commands() -> list[str]:
    """Every management command flagdesk defines, as a user types it (``user add``)."""
    from flagdesk.site.cli import ALIASES, TWO_WORD

    spelled = {django: " ".join(words) for words, django in TWO_WORD.items()}
    spelled |= {django: alias for alias, django in ALIASES.items()}
    names = sorted(
        path.stem
        for path in ROOT.glob("flagdesk/*/management/commands/*.py")
        if not path.stem.startswith("_")
    )
    return [spelled.get(name, name) for name in names]


def test_every_command_has_a_section_in_cli_docs():
    commands = _commands()
    assert {"serve", "user add", "audit verify"} <= set(commands)
    headings = HEADING.findall(_prose(_read(DOCS / "cli.md")))
    missing = [
        c
        for c in commands
        if not any(f"`flagdesk {c}`" in h or f"`flagdesk {c} " in h for h in headings)
    ]
    assert not missing, f"commands without a section in docs/cli.md: {missing}"


def _settings_variables() -> set[str]:
    """``FLAGDESK_*`` names read in settings.py through the ``env_*`` helpers."""
    tree = ast.parse(_read(ROOT / "flagdesk" / "settings.py"))
    names = set()
    for node in ast.walk(tree):
        if not isinstance(node, ast.Call) or not node.args:
            continue
        func = node.func
        helper = func.id if isinstance(func, ast.Name) else getattr(func, "attr", "")
        first = node.args[0]
        if not helper.startswith("env_") or not isinstance(first, ast.Constant):
            continue
        if not isinstance(first.value, str):
            continue
        names.add(f"FLAGDESK_{first.value}")
        if helper == "env_secret":  # the FLAGDESK_<NAME>_FILE variant is read as well
            names.add(f"FLAGDESK_{first.value}_FILE")
    return names


def test_every_setting_is_documented_in_operations():
    variables = _settings_variables()
    assert {"FLAGDESK_DATABASE_URL", "FLAGDESK_SECRET_KEY_FILE"} <= variables
    text = _read(DOCS / "operations.md")
    missing = sorted(v for v in variables if f"`{v}`" not in text)
    assert not missing, f"settings missing from docs/operations.md: {missing}"


def _text_files() -> list[Path]:
    files = [README, *sorted(DOCS.rglob("*"))]
    files += sorted((ROOT / "flagdesk").rglob("*"))
    return [
        f
        for f in files
        if f.is_file() and f.suffix in TEXT_SUFFIXES and "__pycache__" not in f.parts
    ]


def test_nothing_points_outside_the_repository():
    files = _text_files()
    assert README in files and DOCS / "api.md" in files
    offenders = [
        f"{path.relative_to(ROOT)}:{number}: {pointer}"
        for path in files
        for number, line in enumerate(_read(path).splitlines(), start=1)
        for pointer in OUTSIDE_POINTERS
        if pointer in line
    ]
    assert not offenders, "pointers to documents outside the repository:\n" + "\n".join(offenders)


def slug(heading: str) -> str:
    """The anchor GitHub gives a heading: markup and punctuation dropped, spaces to dashes."""
    text = heading.replace("`", "").strip().lower()
    text = re.sub(r"[^\w\- ]", "", text)
    return text.replace(" ", "-")


def anchors(path: Path) -> set[str]:
    seen: dict[str, int] = {}
    result = set()
    for heading in HEADING.findall(_prose(_read(path))):
        base = slug(heading)
        count = seen.get(base, 0)
        seen[base] = count + 1
        result.add(base if count == 0 else f"{base}-{count}")
    return result


def test_slug_follows_github():
    assert slug("`POST /api/v1/notices/{notice_id}/responses`") == (
        "post-apiv1noticesnotice_idresponses"
    )
    assert slug("Anonymous notices (art. 16(2)(c))") == "anonymous-notices-art-162c"


MARKDOWN = [README, *sorted(DOCS.glob("*.md"))]


@pytest.mark.parametrize("page", MARKDOWN, ids=[p.name for p in MARKDOWN])
def test_relative_links_resolve(page):
    broken = []
    for target in LINK.findall(_prose(_read(page))):
        if re.match(r"^[a-z][a-z0-9+.-]*:", target, re.I):  # https:, mailto:
            continue
        file_part, _hash, anchor = target.partition("#")
        linked = (page.parent / file_part).resolve() if file_part else page
        if not linked.exists():
            broken.append(f"{target}: no such file")
        elif anchor and linked.suffix == ".md" and anchor not in anchors(linked):
            broken.append(f"{target}: no heading with this anchor")
    assert not broken, f"broken links in {page.relative_to(ROOT)}: {broken}"


def test_readme_links_every_doc():
    text = _read(README)
    unlinked = [p.name for p in DOCS.glob("*.md") if f"](docs/{p.name}" not in text]
    assert not unlinked, f"docs/ pages README.md does not link: {unlinked}"

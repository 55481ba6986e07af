"""S1: an app imports only from apps before it in the domain order; ``site``, the composition
layer on top (S1b), may import every app and no app may import it."""

import ast
import re
from pathlib import Path

APPS = [
    "core",
    "audit",
    "accounts",
    "organisation",
    "platforms",
    "cases",
    "matching",
    "notices",
    "monitoring",
    "intake",
    "partners",
    "workbench",
    "stats",
    # The composition layer (S1b): may import every app, and no app may import it.
    "site",
]
ORDER = APPS
ROOT = Path(__file__).resolve().parent.parent / "flagdesk"


def _imported_apps(path: Path) -> set[str]:
    tree = ast.parse(path.read_text())
    # Imports only for type checking create no runtime dependency.
    typing_only = {
        id(child)
        for node in ast.walk(tree)
        if isinstance(node, ast.If) and getattr(node.test, "id", "") == "TYPE_CHECKING"
        for child in ast.walk(node)
    }
    found = set()
    for node in ast.walk(tree):
        if id(node) in typing_only:
            continue
        names = []
        if isinstance(node, ast.ImportFrom) and node.module:
            names = [node.module]
        elif isinstance(node, ast.Import):
            names = [a.name for a in node.names]
        for name in names:
            parts = name.split(".")
            if parts[0] == "flagdesk" and len(parts) > 1 and parts[1] in ORDER:
                found.add(parts[1])
    return found


def test_apps_import_only_earlier_apps():
    problems = []
    for app in ORDER:
        for path in (ROOT / app).rglob("*.py"):
            if "tests" in path.parts or "migrations" in path.parts:
                continue
            for other in _imported_apps(path):
                if ORDER.index(other) > ORDER.index(app):
                    problems.append(f"{path.relative_to(ROOT)} imports flagdesk.{other}")
    assert not problems, "\n".join(problems)


def test_every_app_is_in_the_order():
    apps = {p.parent.name for p in ROOT.glob("*/apps.py")}
    assert apps == set(APPS)


TAG = re.compile(r"{%\s*(load|include|extends)\s+([^%]*?)\s*%}")


def _tag_libraries() -> dict[str, str]:
    """Template tag library name -> the app that offers it."""
    return {p.stem: p.parent.parent.name for p in ROOT.glob("*/templatetags/*.py")}


def _template_apps() -> dict[str, str]:
    """Template folder (``cases`` in ``cases/item_detail.html``) -> the app that holds it."""
    return {p.name: p.parent.parent.name for p in ROOT.glob("*/templates/*") if p.is_dir()}


def test_templates_use_only_earlier_apps():
    """A template may load tags, include or extend templates only of its own or earlier apps:
    a later app's section reaches a page as a panel (flagdesk.core.panels), composed by site."""
    libraries, folders = _tag_libraries(), _template_apps()
    problems = []
    for app in ORDER:
        for path in (ROOT / app / "templates").rglob("*.html"):
            for tag, args in TAG.findall(path.read_text()):
                if tag == "load":
                    used = {libraries[name] for name in args.split() if name in libraries}
                else:
                    name = args.split()[0].strip("\"'")
                    used = {folders[name.split("/")[0]]} if name.split("/")[0] in folders else set()
                for other in used:
                    if ORDER.index(other) > ORDER.index(app):
                        problems.append(f"{path.relative_to(ROOT)}: {tag} {args} ({other})")
    assert not problems, "\n".join(problems)


def test_every_package_is_a_layer():
    packages = {p.parent.name for p in ROOT.glob("*/__init__.py")}
    assert packages == set(ORDER)

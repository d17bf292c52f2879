"""Role comparisons live in ``accounts.capabilities`` only (ADR 0014): everywhere else code
asks a capability, so that adding a role touches the enum, that module, fixtures and tests."""

from __future__ import annotations

import ast
import re
from pathlib import Path

import aduan

ROOT = Path(aduan.__file__).parent
SKIPPED_DIRS = {"tests", "migrations", "demo"}
ALLOWED = {"accounts/capabilities.py", "accounts/models.py"}
ROLE_ATTRIBUTES = {"role", "actor_role"}


def _is_role_check(node: ast.expr) -> bool:
    """``Role.X``, ``something.role``, or a tuple/list/set holding one of them."""
    if isinstance(node, (ast.Tuple, ast.List, ast.Set)):
        return any(_is_role_check(element) for element in node.elts)
    if not isinstance(node, ast.Attribute):
        return False
    if isinstance(node.value, ast.Name) and node.value.id == "Role":
        return node.attr.isupper()
    return node.attr in ROLE_ATTRIBUTES


QUERY_CALLS = {"filter", "exclude", "get", "Q"}


def _is_role_filter(node: ast.AST) -> bool:
    """``.filter(role=Role.X)``, ``.exclude(role__in=(Role.X, …))``, ``Q(role=Role.X)``:
    choosing users by a role named here (creating one with a role is data, and allowed;
    roles a capability gives, ``role__in=roles_managed_by_agency_admin()``, too)."""
    if not isinstance(node, ast.Call):
        return False
    func = node.func
    name = func.attr if isinstance(func, ast.Attribute) else getattr(func, "id", "")
    return name in QUERY_CALLS and any(
        "role" in (kw.arg or "").split("__") and _is_role_check(kw.value) for kw in node.keywords
    )


def _role_comparisons(path: Path) -> list[int]:
    tree = ast.parse(path.read_text(encoding="utf-8"), filename=str(path))
    return [
        node.lineno
        for node in ast.walk(tree)
        if (
            isinstance(node, ast.Compare)
            and any(_is_role_check(operand) for operand in (node.left, *node.comparators))
        )
        or _is_role_filter(node)
    ]


def _sources() -> list[str]:
    return sorted(
        path.relative_to(ROOT).as_posix()
        for path in ROOT.rglob("*.py")
        if not SKIPPED_DIRS & set(path.relative_to(ROOT).parts)
    )


def test_no_role_comparison_outside_capabilities():
    found = {
        name: lines
        for name in _sources()
        if name not in ALLOWED and (lines := _role_comparisons(ROOT / name))
    }
    assert found == {}, "ask aduan.accounts.capabilities instead of comparing roles"


def test_the_walk_finds_a_role_comparison(tmp_path):
    sample = tmp_path / "sample.py"
    sample.write_text(
        "if user.role == Role.CITIZEN: pass\n"
        "if Role.OVERSIGHT != x: pass\n"
        "if x in (Role.NATIONAL_ADMIN, Role.OVERSIGHT): pass\n"
        "if event.actor_role == 'citizen': pass\n"
        "if role in Role.values: pass\n"
        "User.objects.filter(is_active=True, role=Role.OVERSIGHT)\n"
        "users.exclude(role__in=(Role.UNIT_OFFICER,))\n"
        "users.filter(role__in=roles_managed_by_agency_admin())\n"
        "Q(agency_id=1, user__role=Role.AGENCY_ADMIN)\n"
        "User.objects.create_user(email=None, role=Role.AGENCY_ADMIN)\n"
    )
    assert _role_comparisons(sample) == [1, 2, 3, 4, 6, 7, 9]


def test_no_role_in_templates():
    """Templates read ``caps`` (``accounts.context_processors``), never the role itself."""
    pattern = re.compile(r"\.role\b|is_national_admin|is_handling_staff|is_oversight")
    found = [
        path.relative_to(ROOT).as_posix()
        for path in ROOT.rglob("templates/**/*.html")
        if pattern.search(path.read_text(encoding="utf-8"))
    ]
    assert found == []

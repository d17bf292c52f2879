"""One ``PermissionDenied`` by name: ours (``aduan.core.errors``) unless aliased."""

import ast
from pathlib import Path

import aduan

SOURCE = Path(aduan.__file__).parent


def test_django_permission_denied_is_only_imported_as_django_permission_denied():
    offenders = []
    for path in SOURCE.rglob("*.py"):
        tree = ast.parse(path.read_text(encoding="utf-8"))
        for node in ast.walk(tree):
            if isinstance(node, ast.ImportFrom) and node.module == "django.core.exceptions":
                offenders.extend(
                    f"{path.relative_to(SOURCE)}:{node.lineno}"
                    for alias in node.names
                    if alias.name == "PermissionDenied" and alias.asname != "DjangoPermissionDenied"
                )
    assert offenders == []

from __future__ import annotations

import io

import pytest
from django.core.management import CommandError, call_command

from aduan.channels.open311.models import Open311ApiKey, hash_key
from aduan.channels.open311.services import api_key_authenticate

pytestmark = pytest.mark.django_db


def run(*args: str) -> tuple[str, str]:
    out, err = io.StringIO(), io.StringIO()
    call_command("open311_key", *args, stdout=out, stderr=err)
    return out.getvalue(), err.getvalue()


def test_issue_list_and_revoke():
    out, err = run("issue", "Aplikasi Kota Bersih")
    raw = out.strip()
    key = Open311ApiKey.objects.get()
    assert hash_key(raw) == key.key_hash
    assert key.created_by is None
    assert "Shown once" in err
    listed, _ = run("list")
    assert key.hint in listed
    assert "active" in listed
    assert raw not in listed
    run("revoke", key.hint)
    assert api_key_authenticate(raw) is None
    assert "revoked" in run("list")[0]


def test_errors():
    with pytest.raises(CommandError, match="0 keys"):
        run("revoke", "o311_nothing")
    with pytest.raises(CommandError, match="3 to 200"):
        run("issue", "AB")

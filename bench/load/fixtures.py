#!/usr/bin/env python
"""The people and ids the load scenarios need, made idempotently in the bench database;
prints them as JSON on stdout for ``bench/run.py``.

Run with the same environment as the server (production settings, the same
``ADUAN_SECRET_KEY``): the session cookies carry an auth hash made with it. Users are
``load-*@bench.aduan.test`` (plus the heaviest generated reporter for "my reports"); each
run revokes their earlier ``bench-load`` tokens and makes new ones, and makes fresh
sessions marked as having passed the second factor (the bench cannot type a TOTP code;
the MFA rule stays on).
"""

from __future__ import annotations

import json
import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))
from _setup import django_setup

TOKEN_NAME = "bench-load"  # noqa: S105 - the name of a token, not one
SAMPLE = 500


def person(email: str, *, name: str, role: str, agency=None):
    from allauth.account.models import EmailAddress

    from aduan.accounts.models import User

    user = User.objects.filter(email=email).first()
    if user is None:
        user = User(email=email, full_name=name, role=role, agency=agency)
        user.set_unusable_password()
        user.save()
    EmailAddress.objects.get_or_create(
        user=user, email=email, defaults={"verified": True, "primary": True}
    )
    return user


def credentials(user) -> dict:
    """A fresh API token and a session cookie (second factor passed) for ``user``."""
    from django.conf import settings
    from django.contrib.auth import BACKEND_SESSION_KEY, HASH_SESSION_KEY, SESSION_KEY
    from django.contrib.sessions.backends.db import SessionStore
    from django.utils import timezone

    from aduan.accounts.mfa import PASSED_SESSION_KEY
    from aduan.accounts.models import ApiToken
    from aduan.accounts.services import token_create

    ApiToken.objects.filter(user=user, name=TOKEN_NAME, revoked_at__isnull=True).update(
        revoked_at=timezone.now()
    )
    _token, raw = token_create(user=user, name=TOKEN_NAME)
    session = SessionStore()
    session[SESSION_KEY] = str(user.pk)
    session[BACKEND_SESSION_KEY] = settings.AUTHENTICATION_BACKENDS[0]
    session[HASH_SESSION_KEY] = user.get_session_auth_hash()
    session[PASSED_SESSION_KEY] = str(user.pk)
    session.create()
    return {"email": user.email, "token": raw, "session": session.session_key}


def main() -> None:
    django_setup()
    from django.db import connection

    from aduan.accounts.models import Role, User
    from aduan.agencies.models import Agency, AgencyKind
    from aduan.reports.models import VERIFIED_STATUSES

    with connection.cursor() as cursor:
        # The agency with the most reports in the working statuses, and its busiest unit.
        cursor.execute(
            "SELECT agency_id FROM reports_report WHERE status IN "
            "('dispositioned','in_progress','on_hold','responded') AND agency_id IS NOT NULL "
            "GROUP BY 1 ORDER BY count(*) DESC LIMIT 1"
        )
        busiest = Agency.objects.get(pk=cursor.fetchone()[0])
        unit = (
            Agency.objects.filter(path__startswith=busiest.path)
            .exclude(pk=busiest.pk)
            .order_by("path")
            .first()
        ) or busiest
        cursor.execute(
            "SELECT reporter_id, count(*) FROM reports_report WHERE reporter_id IS NOT NULL "
            "AND reporter_id NOT IN (SELECT id FROM accounts_user WHERE email LIKE 'load-%%') "
            "GROUP BY 1 ORDER BY 2 DESC LIMIT 1"
        )
        heaviest_id, heaviest_count = cursor.fetchone()
        heaviest = User.objects.get(pk=heaviest_id)
        cursor.execute(
            "SELECT tracking_id FROM reports_report TABLESAMPLE SYSTEM (1) "
            "WHERE NOT confidential AND status = ANY(%s) LIMIT %s",
            [sorted(VERIFIED_STATUSES), SAMPLE],
        )
        public = [row[0] for row in cursor.fetchall()]
        cursor.execute(
            "SELECT tracking_id FROM reports_report WHERE status IN "
            "('dispositioned','in_progress','on_hold','responded') AND agency_id IN "
            "(SELECT id FROM agencies_agency WHERE path LIKE %s) ORDER BY random() LIMIT %s",
            [busiest.path + "%", SAMPLE],
        )
        inbox = [row[0] for row in cursor.fetchall()]

    national = Agency.objects.filter(kind=AgencyKind.NATIONAL_ADMIN).first()
    oversight = Agency.objects.filter(kind=AgencyKind.OVERSIGHT).first()
    users = {
        "citizen": person(
            "load-citizen@bench.aduan.test", name="Warga Uji Beban", role=Role.CITIZEN
        ),
        "heaviest": heaviest,
        "national": person(
            "load-national@bench.aduan.test",
            name="Admin Nasional Uji",
            role=Role.NATIONAL_ADMIN,
            agency=national,
        ),
        "agency_admin": person(
            f"load-admin-{busiest.pk}@bench.aduan.test",
            name="Admin Instansi Uji",
            role=Role.AGENCY_ADMIN,
            agency=busiest,
        ),
        "unit_officer": person(
            f"load-officer-{unit.pk}@bench.aduan.test",
            name="Petugas Unit Uji",
            role=Role.UNIT_OFFICER,
            agency=unit,
        ),
        "overseer": person(
            "load-overseer@bench.aduan.test",
            name="Pengawas Uji",
            role=Role.OVERSIGHT,
            agency=oversight,
        ),
    }
    out = {
        "users": {key: credentials(user) for key, user in users.items()},
        "busiest_agency": {"id": busiest.pk, "code": busiest.code, "name": busiest.name},
        "unit": {"id": unit.pk, "code": unit.code, "name": unit.name},
        "heaviest_reporter_reports": heaviest_count,
        "public_tracking_ids": public,
        "inbox_tracking_ids": inbox,
    }
    json.dump(out, sys.stdout)


if __name__ == "__main__":
    main()

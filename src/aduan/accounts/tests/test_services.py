import datetime as dt
import time

import pytest
import time_machine
from allauth.account.models import EmailAddress
from django.core import mail
from django.test import RequestFactory
from django.utils import timezone

from aduan.accounts.models import ApiToken, User, hash_token
from aduan.accounts.services import (
    token_authenticate,
    token_check,
    token_create,
    token_revoke,
    token_revoke_all,
    tokens_purge,
    user_register,
    user_sync_email_address,
    user_update_profile,
)
from aduan.accounts.tests.factories import (
    AgencyAdminFactory,
    NationalAdminFactory,
    UnitOfficerFactory,
    UserFactory,
)
from aduan.agencies.tests.factories import AgencyFactory
from aduan.core.errors import PermissionDenied, Unauthenticated, ValidationFailed

pytestmark = pytest.mark.django_db


# --- user_register ----------------------------------------------------------------------


def test_user_register_creates_an_unverified_citizen_and_sends_the_confirmation(
    django_capture_on_commit_callbacks,
):
    request = RequestFactory().post("/api/v1/auth/register")
    with django_capture_on_commit_callbacks(execute=True):
        user = user_register(
            email="  Siti.Aminah@Example.ID ",
            password="kopi-tubruk-2024",
            full_name="  Siti   Aminah ",
            phone="0812-3456-7890",
            request=request,
        )
    user.refresh_from_db()
    assert (user.email, user.full_name, user.phone) == (
        "siti.aminah@example.id",
        "Siti Aminah",
        "+6281234567890",
    )
    assert user.role == "citizen"
    assert user.check_password("kopi-tubruk-2024")
    address = EmailAddress.objects.get(user=user)
    assert address.primary
    assert not address.verified
    assert len(mail.outbox) == 1
    assert mail.outbox[0].to == ["siti.aminah@example.id"]


def test_user_register_reports_every_problem_at_once():
    UserFactory(email="ada@example.id")
    with pytest.raises(ValidationFailed) as excinfo:
        user_register(email="ADA@example.id", password="123", full_name="A", phone="12")
    assert set(excinfo.value.field_errors) == {"email", "full_name", "phone", "password"}
    assert User.objects.count() == 1


@pytest.mark.parametrize("email", ["", "bukan-email", "a@", "@example.id"])
def test_user_register_refuses_an_invalid_email(email):
    with pytest.raises(ValidationFailed) as excinfo:
        user_register(email=email, password="kopi-tubruk-2024", full_name="Budi Santoso")
    assert list(excinfo.value.field_errors) == ["email"]


def test_user_register_refuses_a_password_like_the_email():
    with pytest.raises(ValidationFailed) as excinfo:
        user_register(
            email="budisantoso@example.id", password="budisantoso", full_name="Budi Santoso"
        )
    assert "password" in excinfo.value.field_errors


# --- user_update_profile ------------------------------------------------------------------


def test_update_profile_stores_the_phone_in_e164_and_the_language():
    user = UserFactory(phone="")
    user_update_profile(
        user=user, full_name=" Dewi  Lestari ", phone="0813 1234 5678", nik="", language="en"
    )
    user.refresh_from_db()
    assert (user.full_name, user.phone, user.nik, user.language) == (
        "Dewi Lestari",
        "+6281312345678",
        "",
        "en",
    )


def test_update_profile_clears_the_phone_and_accepts_a_valid_nik():
    user = UserFactory()
    user_update_profile(user=user, full_name="Dewi", phone="", nik="3273015708850001")
    user.refresh_from_db()
    assert user.phone == ""
    assert user.nik == "3273015708850001"


def test_update_profile_refuses_bad_input_and_changes_nothing():
    user = UserFactory(full_name="Dewi Lestari", phone="+6281312345678")
    with pytest.raises(ValidationFailed) as excinfo:
        user_update_profile(
            user=user, full_name=" ", phone="12", nik="3273011708850000", language="fr"
        )
    assert set(excinfo.value.field_errors) == {"full_name", "phone", "nik", "language"}
    user.refresh_from_db()
    assert (user.full_name, user.phone) == ("Dewi Lestari", "+6281312345678")


# --- user_sync_email_address --------------------------------------------------------------


def test_sync_email_address_creates_a_verified_primary_address_and_follows_changes():
    user = User.objects.create_user(email="petugas@example.id", password="x", full_name="Petugas")
    user_sync_email_address(user=user, verified=True)
    assert EmailAddress.objects.get(user=user).verified
    user.email = "petugas.baru@example.id"
    user.save()
    user_sync_email_address(user=user, verified=True)
    primary = EmailAddress.objects.get(user=user, primary=True)
    assert (primary.email, primary.verified) == ("petugas.baru@example.id", True)
    assert EmailAddress.objects.filter(user=user).count() == 2


# --- tokens -------------------------------------------------------------------------------


def test_token_create_stores_only_the_hash_and_authenticates():
    user = UserFactory()
    token, raw = token_create(user=user, name="  HP   Android ")
    assert raw.startswith("adn_")
    assert token.name == "HP Android"
    assert token.key_hash == hash_token(raw)
    assert raw not in {token.key_hash, token.hint}
    assert raw.startswith(token.hint)
    assert token_authenticate(raw) == user
    token.refresh_from_db()
    assert token.last_used_at is not None


def test_token_create_names_a_nameless_token_mobile():
    token, _raw = token_create(user=UserFactory(), name="   ")
    assert token.name == "mobile"


@pytest.mark.parametrize("raw", ["", "adn_", "adn_tidak-ada", "Bearer x", "x" * 50])
def test_token_authenticate_refuses_unknown_tokens(raw):
    token_create(user=UserFactory())
    assert token_authenticate(raw) is None


def test_a_revoked_token_is_refused():
    user = UserFactory()
    token, raw = token_create(user=user)
    token_revoke(token=token, actor=user)
    token.refresh_from_db()
    assert token.revoked_at is not None
    assert token_authenticate(raw) is None


def test_revoking_twice_keeps_the_first_revocation_time():
    user = UserFactory()
    token, _raw = token_create(user=user)
    token_revoke(token=token, actor=user)
    first = ApiToken.objects.get(pk=token.pk).revoked_at
    token_revoke(token=ApiToken.objects.get(pk=token.pk), actor=user)
    assert ApiToken.objects.get(pk=token.pk).revoked_at == first


def test_the_token_of_an_inactive_user_is_refused():
    user = UserFactory()
    _token, raw = token_create(user=user)
    user.is_active = False
    user.save()
    assert token_authenticate(raw) is None


def test_last_used_is_written_at_most_once_a_minute():
    user = UserFactory()
    token, raw = token_create(user=user)
    start = dt.datetime(2025, 3, 3, 9, 0, tzinfo=dt.UTC)
    with time_machine.travel(start, tick=False):
        token_authenticate(raw)
    with time_machine.travel(start + dt.timedelta(seconds=59), tick=False):
        token_authenticate(raw)
    token.refresh_from_db()
    assert token.last_used_at == start
    with time_machine.travel(start + dt.timedelta(seconds=61), tick=False):
        token_authenticate(raw)
    token.refresh_from_db()
    assert token.last_used_at == start + dt.timedelta(seconds=61)


def test_a_citizen_cannot_revoke_someone_elses_token():
    owner = UserFactory()
    token, raw = token_create(user=owner)
    with pytest.raises(PermissionDenied):
        token_revoke(token=token, actor=UserFactory())
    assert token_authenticate(raw) == owner


def test_an_agency_admin_revokes_their_officers_tokens_but_not_another_agencys():
    agency = AgencyFactory()
    admin = AgencyAdminFactory(agency=agency)
    own_officer_token, _ = token_create(user=UnitOfficerFactory(agency=agency))
    other_officer_token, _ = token_create(user=UnitOfficerFactory())
    token_revoke(token=own_officer_token, actor=admin)
    assert ApiToken.objects.get(pk=own_officer_token.pk).revoked_at is not None
    with pytest.raises(PermissionDenied):
        token_revoke(token=other_officer_token, actor=admin)
    citizen_token, _ = token_create(user=UserFactory())
    with pytest.raises(PermissionDenied):
        token_revoke(token=citizen_token, actor=admin)
    token_revoke(token=citizen_token, actor=NationalAdminFactory())
    assert ApiToken.objects.get(pk=citizen_token.pk).revoked_at <= timezone.now()


# --- expiry, revoking them all, the purge (issue 12) ---------------------------------------


T0 = dt.datetime(2026, 3, 2, 9, 0, tzinfo=dt.UTC)


def test_a_token_works_for_the_configured_days_and_no_longer(settings):
    settings.ADUAN_API_TOKEN_DAYS = 7
    user = UserFactory()
    with time_machine.travel(T0, tick=False):
        token, raw = token_create(user=user)
    assert token.expires_at == T0 + dt.timedelta(days=7)
    with time_machine.travel(T0 + dt.timedelta(days=7, seconds=-1), tick=False):
        assert token_authenticate(raw) == user
        assert list(ApiToken.objects.active()) == [token]
    with time_machine.travel(T0 + dt.timedelta(days=7), tick=False):
        assert token_authenticate(raw) is None
        with pytest.raises(Unauthenticated, match="expired"):
            token_check(raw)
        assert not ApiToken.objects.active().exists()


def test_a_device_name_longer_than_the_limit_is_refused_not_cut():
    with pytest.raises(ValidationFailed) as caught:
        token_create(user=UserFactory(), name="x" * 101)
    assert "name" in caught.value.field_errors
    assert not ApiToken.objects.exists()
    assert token_create(user=UserFactory(), name="x" * 100)[0].name == "x" * 100


def test_revoke_all_ends_every_token_of_the_user_only():
    user, other = UserFactory(), UserFactory()
    raws = [token_create(user=user)[1] for _n in range(3)]
    _token, other_raw = token_create(user=other)
    assert token_revoke_all(user=user) == 3
    assert [token_authenticate(raw) for raw in raws] == [None, None, None]
    assert token_authenticate(other_raw) == other
    assert token_revoke_all(user=user) == 0


def test_the_purge_deletes_personal_tokens_a_month_after_they_ended(settings):
    from aduan.integrations.services import integration_token_create

    settings.ADUAN_API_TOKEN_DAYS = 90
    user = UserFactory()
    with time_machine.travel(T0 - dt.timedelta(days=121), tick=False):
        _long_expired, _raw = token_create(user=user, name="long expired")
        integration, _raw = integration_token_create(actor=AgencyAdminFactory(), name="Sistem")
        token_revoke(token=integration, actor=integration.user)
    with time_machine.travel(T0 - dt.timedelta(days=119), tick=False):
        _lately_expired, _raw = token_create(user=user, name="lately expired")
    with time_machine.travel(T0 - dt.timedelta(days=31), tick=False):
        long_revoked, _raw = token_create(user=user, name="long revoked")
        token_revoke(token=long_revoked, actor=user)
    with time_machine.travel(T0 - dt.timedelta(days=29), tick=False):
        lately_revoked, _raw = token_create(user=user, name="lately revoked")
        token_revoke(token=lately_revoked, actor=user)
    _working, _raw = token_create(user=user, name="working")
    assert tokens_purge(now=T0, batch=1, stop_at=time.monotonic() + 60) == 2
    assert set(ApiToken.objects.values_list("name", flat=True)) == {
        "lately expired",
        "lately revoked",
        "working",
        "Sistem",  # an agency's record of what it gave out, and its integration account's mark
    }
    assert tokens_purge(now=T0, batch=10, stop_at=time.monotonic() + 60) == 0


@pytest.mark.parametrize(("minute", "purged"), [(44, False), (45, True), (46, False)])
def test_the_purge_runs_once_an_hour_in_the_sweep(minute, purged):
    from aduan.core.periodic import periodic_jobs

    user = UserFactory()
    with time_machine.travel(T0 - dt.timedelta(days=200), tick=False):
        token_create(user=user)
    job = next(job for job in periodic_jobs() if job.name == "api_tokens")
    now = T0.replace(minute=minute)
    outcome = job.function(now=now, batch=100, stop_at=time.monotonic() + 60)
    assert outcome == (1 if purged else None)
    assert ApiToken.objects.exists() is not purged


def test_the_migration_gives_held_tokens_a_full_lifetime_and_integration_tokens_none(settings):
    """0004's backfill: tokens made before expiry existed expire a lifetime after the
    upgrade (no phone is signed out by it); an agency's integration token never."""
    import importlib

    from django.apps import apps

    from aduan.integrations.services import integration_token_create

    migration = importlib.import_module("aduan.accounts.migrations.0004_api_token_expiry")
    settings.ADUAN_API_TOKEN_DAYS = 90
    with time_machine.travel(T0 - dt.timedelta(days=400), tick=False):
        old, _raw = token_create(user=UserFactory())
    integration, _raw = integration_token_create(actor=AgencyAdminFactory(), name="Sistem")
    ApiToken.objects.update(expires_at=None)  # as the rows were before 0004
    with time_machine.travel(T0, tick=False):
        migration.expire_personal_tokens(apps, None)
    old.refresh_from_db()
    integration.refresh_from_db()
    assert old.expires_at == T0 + dt.timedelta(days=90)
    assert integration.expires_at is None

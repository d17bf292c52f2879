import pytest
from django.core.exceptions import ValidationError

from aduan.accounts.models import Role
from aduan.accounts.validators import (
    normalise_phone,
    validate_e164_phone,
    validate_nik,
    validate_staff_assignment,
)
from aduan.agencies.models import Agency, AgencyKind


@pytest.mark.parametrize(
    ("typed", "stored"),
    [
        ("081234567890", "+6281234567890"),
        ("0812-3456-7890", "+6281234567890"),
        ("0812 3456 7890", "+6281234567890"),
        ("6281234567890", "+6281234567890"),
        ("+62 812-3456-7890", "+6281234567890"),
        ("+6281234567890", "+6281234567890"),
        ("(022) 4231280", "+62224231280"),  # a Bandung landline
    ],
)
def test_normalise_phone_accepts_the_ways_indonesians_write_numbers(typed, stored):
    assert normalise_phone(typed) == stored


@pytest.mark.parametrize("typed", ["", "12345", "0812", "08123456789012345", "nomor saya", "+62"])
def test_normalise_phone_refuses_what_is_not_a_number(typed):
    with pytest.raises(ValidationError):
        normalise_phone(typed)


def test_e164_validator_accepts_only_the_stored_form():
    validate_e164_phone("")
    validate_e164_phone("+6281234567890")
    with pytest.raises(ValidationError):
        validate_e164_phone("081234567890")
    with pytest.raises(ValidationError):
        validate_e164_phone("+62 812 3456 7890")


# 32.73.01 (Kota Bandung, Sukajadi), born 17-08-1985, serial 0001.
VALID_NIK = "3273011708850001"


def test_valid_nik_and_empty_nik_pass():
    validate_nik(VALID_NIK)
    validate_nik("")


def test_nik_of_a_woman_has_day_plus_40():
    validate_nik("3273015708850001")  # 57 = 17 + 40
    validate_nik("3273017112990002")  # 71 = 31 + 40: 31 December 1999
    validate_nik("3273016902040003")  # 69 = 29 + 40: 29 February 2004, a leap year


@pytest.mark.parametrize(
    ("nik", "message"),
    [
        ("327301170885000", "16 digits"),
        ("32730117088500012", "16 digits"),
        ("32730117O8850001", "16 digits"),
        ("0973011708850001", "region code"),  # province 09 does not exist
        ("9973011708850001", "region code"),  # nor 99
        ("3200011708850001", "region code"),  # regency 00
        ("3273001708850001", "region code"),  # district 00
        ("3273013208850001", "birth-date"),  # day 32
        ("3273010013850001", "birth-date"),  # day 00, month 13
        ("3273011713850001", "birth-date"),  # month 13
        ("3273017202850001", "birth-date"),  # 72 - 40 = 32
        ("3273013002850001", "birth-date"),  # 30 February
        ("3273016902050003", "birth-date"),  # 29 February 2005 (and 1905): no leap year
        ("3273011708850000", "serial"),
    ],
)
def test_nik_structure_is_checked(nik, message):
    with pytest.raises(ValidationError) as excinfo:
        validate_nik(nik)
    assert message in str(excinfo.value)


@pytest.mark.django_db
def test_staff_assignment_fits_role_to_agency_kind():
    ministry = Agency.objects.create(code="kemenkes", name="Kemenkes", kind=AgencyKind.MINISTRY)
    panrb = Agency.objects.create(
        code="kemenpanrb-admin", name="KemenPANRB", kind=AgencyKind.NATIONAL_ADMIN
    )
    ombudsman = Agency.objects.create(code="ombudsman", name="ORI", kind=AgencyKind.OVERSIGHT)
    validate_staff_assignment(Role.CITIZEN, None)
    validate_staff_assignment(Role.NATIONAL_ADMIN, panrb)
    validate_staff_assignment(Role.OVERSIGHT, ombudsman)
    validate_staff_assignment(Role.AGENCY_ADMIN, ministry)
    validate_staff_assignment(Role.UNIT_OFFICER, ministry)
    for role, agency in [
        (Role.CITIZEN, ministry),
        (Role.UNIT_OFFICER, None),
        (Role.NATIONAL_ADMIN, ministry),
        (Role.OVERSIGHT, ministry),
        (Role.AGENCY_ADMIN, panrb),
        (Role.UNIT_OFFICER, ombudsman),
    ]:
        with pytest.raises(ValidationError) as excinfo:
            validate_staff_assignment(role, agency)
        assert "agency" in excinfo.value.message_dict


@pytest.mark.parametrize("password", ["aduan123", "Bismillah!1", "LAPOR1708", "sayang-2024"])
def test_passwords_built_on_a_common_indonesian_word_are_refused(password):
    from django.contrib.auth.password_validation import validate_password

    with pytest.raises(ValidationError) as exc:
        validate_password(password)
    assert "password_too_common" in [e.code for e in exc.value.error_list]


def test_a_password_like_the_users_own_name_is_refused_and_a_passphrase_passes(db):
    from django.contrib.auth.password_validation import validate_password

    from aduan.accounts.tests.factories import UserFactory

    user = UserFactory(full_name="Siti Rahmawati", email="siti.r@example.id")
    with pytest.raises(ValidationError):
        validate_password("SitiRahmawati", user=user)
    validate_password("sepeda-biru-di-pasar-77", user=user)

import factory
from allauth.account.models import EmailAddress

from aduan.accounts.models import Role, User
from aduan.agencies.tests.factories import (
    AgencyFactory,
    NationalAdminAgencyFactory,
    OversightAgencyFactory,
)

PASSWORD = "sandi-rahasia-123"


class UserFactory(factory.django.DjangoModelFactory):
    """A verified citizen who can sign in with ``PASSWORD``."""

    class Meta:
        model = User
        skip_postgeneration_save = True

    email = factory.Sequence(lambda n: f"warga{n}@example.id")
    full_name = factory.Sequence(lambda n: f"Warga Contoh {n}")
    phone = factory.Sequence(lambda n: f"+62812{n:07d}")
    role = Role.CITIZEN
    agency = None

    @factory.post_generation
    def password(obj, create, extracted, **kwargs):
        obj.set_password(extracted or PASSWORD)
        if create:
            obj.save(update_fields=["password"])
            if obj.email:
                EmailAddress.objects.get_or_create(
                    user=obj, email=obj.email, defaults={"verified": True, "primary": True}
                )


CitizenFactory = UserFactory


class NationalAdminFactory(UserFactory):
    role = Role.NATIONAL_ADMIN
    agency = factory.SubFactory(NationalAdminAgencyFactory)
    full_name = factory.Sequence(lambda n: f"Admin Nasional {n}")


class AgencyAdminFactory(UserFactory):
    role = Role.AGENCY_ADMIN
    agency = factory.SubFactory(AgencyFactory)
    full_name = factory.Sequence(lambda n: f"Admin Instansi {n}")


class UnitOfficerFactory(UserFactory):
    role = Role.UNIT_OFFICER
    agency = factory.SubFactory(AgencyFactory)
    full_name = factory.Sequence(lambda n: f"Petugas Unit {n}")


class OversightFactory(UserFactory):
    role = Role.OVERSIGHT
    agency = factory.SubFactory(OversightAgencyFactory)
    full_name = factory.Sequence(lambda n: f"Pengawas {n}")


class ProgrammeOverseerFactory(UserFactory):
    """The KSP's overseer of the national priority programmes."""

    role = Role.PROGRAMME_OVERSIGHT
    agency = factory.SubFactory(OversightAgencyFactory)
    full_name = factory.Sequence(lambda n: f"Pengawas Program {n}")

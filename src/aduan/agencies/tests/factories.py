import factory

from aduan.agencies.models import Agency, AgencyKind


class AgencyFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Agency

    code = factory.Sequence(lambda n: f"agency-{n}")
    name = factory.Sequence(lambda n: f"Kementerian Contoh {n}")
    short_name = factory.Sequence(lambda n: f"K{n}")
    kind = AgencyKind.MINISTRY
    parent = None
    region = None


class UnitFactory(AgencyFactory):
    kind = AgencyKind.UNIT
    name = factory.Sequence(lambda n: f"Direktorat Contoh {n}")
    parent = factory.SubFactory(AgencyFactory)


class NationalAdminAgencyFactory(AgencyFactory):
    kind = AgencyKind.NATIONAL_ADMIN
    name = "Kementerian PANRB (Admin Nasional LAPOR!)"
    code = "kemenpanrb-admin"

    class Meta:
        django_get_or_create = ("code",)


class OversightAgencyFactory(AgencyFactory):
    kind = AgencyKind.OVERSIGHT
    name = "Ombudsman Republik Indonesia"
    code = "ombudsman"

    class Meta:
        django_get_or_create = ("code",)

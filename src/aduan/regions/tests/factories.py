import factory

from aduan.regions.models import Region, RegionLevel


class ProvinceFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Region
        django_get_or_create = ("code",)

    code = factory.Sequence(lambda n: str(11 + n % 86))
    name = factory.Sequence(lambda n: f"PROVINSI {n}")
    level = RegionLevel.PROVINCE
    parent = None


class RegencyFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Region
        django_get_or_create = ("code",)

    parent = factory.SubFactory(ProvinceFactory)
    code = factory.LazyAttributeSequence(lambda o, n: f"{o.parent.code}.{n % 99 + 1:02d}")
    name = factory.Sequence(lambda n: f"KABUPATEN {n}")
    level = RegionLevel.REGENCY


class DistrictFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Region
        django_get_or_create = ("code",)

    parent = factory.SubFactory(RegencyFactory)
    code = factory.LazyAttributeSequence(lambda o, n: f"{o.parent.code}.{n % 99 + 1:02d}")
    name = factory.Sequence(lambda n: f"Kecamatan {n}")
    level = RegionLevel.DISTRICT

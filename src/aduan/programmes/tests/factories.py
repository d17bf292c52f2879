import factory

from aduan.programmes.models import Programme, ReportProgramme


class ProgrammeFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Programme

    code = factory.Sequence(lambda n: f"programme-{n}")
    name = factory.Sequence(lambda n: f"Program Prioritas {n}")


class ReportProgrammeFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = ReportProgramme

    report = factory.SubFactory("aduan.reports.tests.factories.ReportFactory")
    programme = factory.SubFactory(ProgrammeFactory)

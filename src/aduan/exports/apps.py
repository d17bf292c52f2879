from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class ExportsConfig(AppConfig):
    name = "aduan.exports"
    verbose_name = _("Exports")

    def ready(self) -> None:
        from aduan.core.periodic import periodic_register

        from .tasks import EXPORTS_JOB, export_jobs_job

        periodic_register(name=EXPORTS_JOB, function=export_jobs_job, order=80)

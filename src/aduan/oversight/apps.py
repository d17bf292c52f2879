from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class OversightConfig(AppConfig):
    name = "aduan.oversight"
    verbose_name = _("Oversight")

    def ready(self) -> None:
        from aduan.core.periodic import periodic_register
        from aduan.workflow.listeners import listener_register

        from .dashboard import WARM_JOB, dashboard_warm_job
        from .listeners import RollupListener
        from .tasks import MONTHLY_JOB, monthly_reports_job

        listener_register(RollupListener())
        periodic_register(name=MONTHLY_JOB, function=monthly_reports_job, order=70)
        periodic_register(name=WARM_JOB, function=dashboard_warm_job, order=75)

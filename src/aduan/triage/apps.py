from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class TriageConfig(AppConfig):
    name = "aduan.triage"
    verbose_name = _("Triage")

    def ready(self) -> None:
        from aduan.core.periodic import periodic_register
        from aduan.workflow.listeners import listener_register

        from .listeners import TriageListener
        from .tasks import RETRAIN_JOB, WAITING_JOB, router_retrain_job, waiting_assess_job

        listener_register(TriageListener())
        periodic_register(name=WAITING_JOB, function=waiting_assess_job, order=15)
        periodic_register(name=RETRAIN_JOB, function=router_retrain_job, order=85)

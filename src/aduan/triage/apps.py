from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class TriageConfig(AppConfig):
    name = "aduan.triage"
    verbose_name = _("Triage")

    def ready(self) -> None:
        from aduan.core.periodic import periodic_register
        from aduan.workflow.listeners import listener_register

        from .listeners import TriageListener
        from .tasks import RETRAIN_JOB, router_retrain_job

        listener_register(TriageListener())
        periodic_register(name=RETRAIN_JOB, function=router_retrain_job, order=85)

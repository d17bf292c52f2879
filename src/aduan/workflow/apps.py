from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class WorkflowConfig(AppConfig):
    name = "aduan.workflow"
    verbose_name = _("Workflow")

    def ready(self) -> None:
        from aduan.core.periodic import periodic_register

        from .fingerprints import FingerprintListener
        from .listeners import listener_register
        from .sweep import DEADLINES_JOB, deadlines_sweep

        periodic_register(name=DEADLINES_JOB, function=deadlines_sweep, order=10)
        listener_register(FingerprintListener())

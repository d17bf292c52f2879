from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class WorkflowConfig(AppConfig):
    name = "aduan.workflow"
    verbose_name = _("Workflow")

    def ready(self) -> None:
        from aduan.agencies.models import Agency
        from aduan.categories.models import Category
        from aduan.core.memo import directory_memo_connect
        from aduan.core.periodic import periodic_register
        from aduan.regions.models import Region
        from aduan.sla.models import DayOff

        from .idempotency import SUBMISSION_KEYS_JOB, submission_keys_expire
        from .sweep import DEADLINES_JOB, deadlines_sweep

        periodic_register(name=DEADLINES_JOB, function=deadlines_sweep, order=10)
        periodic_register(name=SUBMISSION_KEYS_JOB, function=submission_keys_expire, order=55)
        # What report_validate looks up, and the days off of every deadline, are
        # remembered per process (aduan.core.memo).
        directory_memo_connect(Agency, Category, Region, DayOff)

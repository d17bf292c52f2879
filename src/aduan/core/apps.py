from django.apps import AppConfig, apps
from django.db.models.signals import post_migrate


class CoreConfig(AppConfig):
    name = "aduan.core"
    verbose_name = "Aduan core"

    def ready(self) -> None:
        from .periodic import periodic_register
        from .sites import site_sync_after_migrate
        from .stale_tasks import STALE_JOB, stale_tasks_reclaim

        periodic_register(name=STALE_JOB, function=stale_tasks_reclaim, order=5)

        # After the sites app's own handler has created the default row.
        post_migrate.connect(
            site_sync_after_migrate,
            sender=apps.get_app_config("sites"),
            dispatch_uid="aduan.core.site_sync",
        )

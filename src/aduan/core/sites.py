"""The Sites framework's row, kept equal to the settings.

allauth names the site in its e-mails ("[Aduan] Konfirmasi alamat e-mail", "Halo dari
Aduan!") from ``Site.objects.get_current()``; Django creates that row as ``example.com``.
``site_sync`` writes ``SITE_URL``'s host and ``SITE_NAME`` into it after every
``migrate`` (which ``make run`` and every deployment run at start), so the row follows
the settings without anyone editing it in the admin.
"""

from __future__ import annotations

from django.conf import settings
from django.contrib.sites.models import Site
from django.db import DEFAULT_DB_ALIAS

from aduan.core.siteurl import site_domain


def site_sync(*, using: str = DEFAULT_DB_ALIAS) -> Site:
    """Set the current site's domain and name from ``SITE_URL`` and ``SITE_NAME``."""
    domain = site_domain(settings.SITE_URL)
    site, _created = Site.objects.using(using).update_or_create(
        pk=settings.SITE_ID, defaults={"domain": domain, "name": settings.SITE_NAME}
    )
    Site.objects.clear_cache()
    return site


def site_sync_after_migrate(*, using: str = DEFAULT_DB_ALIAS, **_kwargs) -> None:
    """``post_migrate`` receiver (connected in ``CoreConfig.ready``)."""
    site_sync(using=using)

from django.contrib import admin
from django.urls import include, path

from aduan.channels.specs import specs
from aduan.config.api import api

# A lost database connection raised outside a view answers 503, not 500.
handler500 = "aduan.core.outage.server_error"

urlpatterns = [
    path("admin/", admin.site.urls),
    path("akun/", include("aduan.accounts.urls")),
    path("akun/", include("aduan.channels.urls")),
    path("akun/", include("allauth.urls")),
    path("api/v1/", api.urls),
    path("i18n/", include("django.conf.urls.i18n")),
    # Each channel's gateway endpoints, where its spec mounts them (kanal/sms/, kanal/x/,
    # open311/).
    *(path(spec.url_prefix, include(spec.urls)) for spec in specs().values() if spec.urls),
    path("notifikasi/", include("aduan.notifications.urls")),
    path("staf/hari-libur/", include("aduan.sla.urls")),
    path("staf/integrasi/", include("aduan.integrations.urls")),
    path("staf/ekspor/", include("aduan.exports.urls")),
    path("staf/statistik/", include("aduan.oversight.urls")),
    path("staf/triase/", include("aduan.triage.urls")),
    path("statistik/", include("aduan.oversight.public_urls")),
    path("", include("aduan.web.urls")),
]

from django.contrib import admin
from django.urls import include, path

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
    path("kanal/sms/", include("aduan.channels.sms.urls")),
    path("open311/", include("aduan.channels.open311.urls")),
    path("kanal/x/", include("aduan.channels.x.urls")),
    path("notifikasi/", include("aduan.notifications.urls")),
    path("staf/hari-libur/", include("aduan.sla.urls")),
    path("staf/integrasi/", include("aduan.integrations.urls")),
    path("", include("aduan.web.urls")),
]

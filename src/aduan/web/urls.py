from django.urls import path

from . import pwa, staff_views, views

app_name = "web"

urlpatterns = [
    path("", views.home, name="home"),
    path("favicon.ico", views.favicon, name="favicon"),
    path("manifest.webmanifest", pwa.manifest, name="manifest"),
    path("sw.js", pwa.service_worker, name="service_worker"),
    path("luring/", pwa.offline, name="offline"),
    path("laporan/", views.feed, name="feed"),
    path("lapor/", views.report_new, name="report_new"),
    path("lapor/serupa/", views.report_similar, name="report_similar"),
    path("lapor/terkirim/<str:tracking_id>/", views.report_sent, name="report_sent"),
    path("lacak/", views.track, name="track"),
    path("lacak/<str:tracking_id>/", views.track_detail, name="track_detail"),
    path("lacak/<str:tracking_id>/dukung/", views.report_support_set, name="report_support"),
    path("lacak/<str:tracking_id>/ikuti/", views.report_follow_set, name="report_follow"),
    path("laporan-saya/", views.my_reports, name="my_reports"),
    path("lampiran/<int:attachment_id>/", views.attachment_download, name="attachment_download"),
    path(
        "lampiran/<int:attachment_id>/kecil/",
        views.attachment_thumbnail,
        name="attachment_thumbnail",
    ),
    path("pilih/wilayah/", views.region_options, name="region_options"),
    path("pilih/instansi/", views.agency_suggestions, name="agency_suggestions"),
    path("staf/antrean/", staff_views.queue, name="staff_queue"),
    path("staf/kotak-masuk/", staff_views.inbox, name="staff_inbox"),
    path("staf/laporan/<str:tracking_id>/", staff_views.staff_report, name="staff_report"),
    path(
        "staf/laporan/<str:tracking_id>/templat/",
        staff_views.response_template,
        name="staff_response_template",
    ),
]

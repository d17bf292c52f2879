from django.urls import path

from . import views

app_name = "exports"

urlpatterns = [
    path("kotak-masuk.<str:fmt>", views.inbox_export, name="inbox"),
    path("antrean.<str:fmt>", views.queue_export, name="queue"),
    path("berkas/", views.jobs, name="jobs"),
    path("berkas/<str:job_id>/", views.job, name="job"),
    path("berkas/<str:job_id>/unduh", views.job_download, name="job_download"),
]

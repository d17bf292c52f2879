from django.urls import path

from . import views

app_name = "oversight"

urlpatterns = [
    path("", views.dashboard, name="dashboard"),
    path("laporan-bulanan/", views.monthly_reports, name="monthly_reports"),
    path(
        "laporan-bulanan/<int:pk>/unduh/",
        views.monthly_report_download,
        name="monthly_report_download",
    ),
]

from django.urls import path

from . import public_views

app_name = "public_statistics"

urlpatterns = [
    path("", public_views.index, name="index"),
    path("instansi.csv", public_views.agencies_csv, name="agencies_csv"),
    path("program.csv", public_views.programmes_csv, name="programmes_csv"),
    path("instansi/<int:pk>/", public_views.agency, name="agency"),
]

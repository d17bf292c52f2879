from django.urls import path

from . import views

app_name = "sla"

urlpatterns = [
    path("", views.day_offs, name="day_offs"),
    path("<int:pk>/hapus/", views.day_off_delete, name="day_off_delete"),
]

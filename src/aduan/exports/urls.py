from django.urls import path

from . import views

app_name = "exports"

urlpatterns = [
    path("kotak-masuk.<str:fmt>", views.inbox_export, name="inbox"),
    path("antrean.<str:fmt>", views.queue_export, name="queue"),
]

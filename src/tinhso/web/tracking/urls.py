"""Citizen URLs of tracking, ratings and feedback (namespace "tracking"), mounted at the site root."""

from django.urls import path

from tinhso.web.tracking import views

app_name = "tracking"
urlpatterns = [
    path("tra-cuu/", views.lookup, name="lookup"),
    path("tra-cuu/<str:code>/", views.dossier, name="dossier"),
    path("danh-gia/<str:code>/", views.rate, name="rate"),
    path("danh-gia/<str:code>/da-gui/", views.rated, name="rated"),
    path("phan-anh/", views.feedback_new, name="feedback"),
    path("phan-anh/cua-toi/", views.feedback_mine, name="feedback_mine"),
    path("phan-anh/<int:pk>/", views.feedback_detail, name="feedback_detail"),
]

"""URLs of the monitoring centre, under /giam-sat/ (namespace "monitor")."""

from django.urls import path

from tinhso.web.monitor import views

app_name = "monitor"
urlpatterns = [
    path("", views.overview, name="overview"),
    path("chi-so/<str:code>/", views.component, name="component"),
    path("xep-hang/<str:level>/", views.ranking, name="ranking"),
    path("ke-hoach/", views.plans, name="plans"),
    path("ke-hoach/<int:plan_id>/", views.plan, name="plan"),
]

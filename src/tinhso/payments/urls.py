"""Fee payment, under /thanh-toan/ (namespace "payments")."""

from django.urls import path

from tinhso.payments import views

app_name = "payments"
urlpatterns = [
    path("ho-so/<str:code>/", views.dossier_pay, name="dossier"),
    path("ket-qua/", views.payment_return, name="return"),
    path("ipn/", views.payment_ipn, name="ipn"),
]

"""URLs of the documents module (namespace "documents"), mounted at the site root."""

from django.urls import path

from tinhso.documents import views

app_name = "documents"
urlpatterns = [
    path("xac-thuc/", views.verify, name="verify"),
    path("xac-thuc/<str:code>/", views.verify_code, name="verify_code"),
    path("ho-so/<str:code>/bieu-mau/<slug:kind>.pdf", views.form_download, name="form"),
    path("ho-so/<str:code>/ket-qua.pdf", views.result_download, name="result"),
    path("bieu-mau/so-theo-doi.pdf", views.register_download, name="register"),
]

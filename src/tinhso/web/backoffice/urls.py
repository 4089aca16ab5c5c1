"""URLs of the officer back office, under /mot-cua/ (namespace "backoffice")."""

from django.urls import path

from tinhso.web.backoffice import intake, register, views
from tinhso.web.tracking import backoffice_feedback

app_name = "backoffice"
urlpatterns = [
    path("", views.inbox, name="inbox"),
    path("tiep-nhan-nhieu-ho-so/", views.bulk_accept, name="bulk_accept"),
    path("ho-so/<str:code>/", views.dossier_detail, name="dossier"),
    path("ho-so/<str:code>/tep/<int:attachment_id>/", views.attachment_download, name="attachment"),
    path("ho-so/<str:code>/ky-ket-qua/", views.sign_result, name="sign_result"),
    path("tiep-nhan/", intake.intake_start, name="intake"),
    path("tiep-nhan/thu-tuc/<str:procedure_code>/", intake.intake_form, name="intake_form"),
    path("tiep-nhan/giay-tiep-nhan/<str:code>/", intake.receipt, name="receipt"),
    path("so-theo-doi/", register.register, name="register"),
    path("so-theo-doi.xlsx", register.register_xlsx, name="register_xlsx"),
    path("phan-anh/", backoffice_feedback.feedback_list, name="feedback_list"),
    path("phan-anh/<int:pk>/", backoffice_feedback.feedback_detail, name="feedback"),
]

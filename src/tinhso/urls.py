from allauth.account.decorators import secure_admin_login
from django.contrib import admin
from django.urls import include, path

from tinhso.api.root import api

# The admin logs in through allauth too: same lockout, same second factor.
admin.site.login = secure_admin_login(admin.site.login)

handler400 = "tinhso.web.views.bad_request"
handler403 = "tinhso.web.views.permission_denied"
handler404 = "tinhso.web.views.page_not_found"
handler500 = "tinhso.web.views.server_error"

urlpatterns = [
    path("api/v1/", api.urls),
    path("quan-tri/", admin.site.urls),
    path("tai-khoan/", include("allauth.urls")),
    path("i18n/", include("django.conf.urls.i18n")),
    path("mot-cua/", include("tinhso.web.backoffice.urls")),
    path("dich-vu-cong/", include("tinhso.web.portal.urls")),
    path("thanh-toan/", include("tinhso.payments.urls")),
    path("giam-sat/", include("tinhso.web.monitor.urls")),
    path("", include("tinhso.web.tracking.urls")),  # /tra-cuu/, /danh-gia/, /phan-anh/
    path("", include("tinhso.documents.urls")),  # /xac-thuc/, /ho-so/<code>/bieu-mau/…, /ho-so/<code>/ket-qua.pdf
    path("", include("tinhso.web.urls")),
]

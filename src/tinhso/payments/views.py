"""Pages and the gateway callback of fee payment. Thin: the rules are in services and selectors."""

from __future__ import annotations

from django.conf import settings
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.http import Http404, HttpResponseRedirect, JsonResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.views.decorators.cache import never_cache
from django.views.decorators.csrf import csrf_exempt
from django.views.decorators.http import require_http_methods

from tinhso.payments.models import PaymentStatus
from tinhso.payments.selectors import payable_dossier
from tinhso.payments.services import (
    PaymentNotFound,
    PaymentRefused,
    payment_notification_receive,
    payment_return_receive,
    payment_start,
)


def client_ip(request) -> str:
    """The caller's address: REMOTE_ADDR, or the address the outermost trusted proxy saw
    (NINJA_NUM_PROXIES, the same rule as the API's throttles)."""
    proxies = getattr(settings, "NINJA_NUM_PROXIES", 0) or 0
    forwarded = [a.strip() for a in request.META.get("HTTP_X_FORWARDED_FOR", "").split(",") if a.strip()]
    if proxies and forwarded:
        return forwarded[-min(proxies, len(forwarded))][:45]
    return request.META.get("REMOTE_ADDR", "")[:45]


@login_required
@never_cache
@require_http_methods(["GET", "POST"])
def dossier_pay(request, code: str):
    """GET: the dossier's fees and the pay button. POST (the button): start a payment and go to
    the gateway. Only the applicant of the dossier; anyone else gets 404."""
    dossier = payable_dossier(request.user, code)
    if dossier is None:
        raise Http404
    if request.method == "POST":
        try:
            payment = payment_start(
                actor=request.user, dossier_code=dossier.code,
                return_url=request.build_absolute_uri(reverse("payments:return")),
                notify_url=settings.TINHSO_BASE_URL + reverse("payments:ipn"),
                client_ip=client_ip(request), idempotency_key=request.POST.get("idempotency_key"))
        except PaymentNotFound:
            raise Http404 from None
        except PaymentRefused as refusal:
            messages.error(request, refusal.message)
            return redirect("payments:dossier", code=dossier.code)
        return HttpResponseRedirect(payment.redirect_url)
    return render(request, "payments/dossier.html", {"dossier": dossier})


@login_required
@never_cache
def payment_return(request):
    """Where the gateway sends the citizen back. It shows the payment's state; only the gateway's
    notification, or its signed answer to our status query, can change that state."""
    result = payment_return_receive(params=request.GET.dict(), actor=request.user, source_ip=client_ip(request))
    payment = result.payment
    context = {"payment": payment, "signature_valid": result.signature_valid}
    if payment is not None:
        context["dossier_url"] = reverse("payments:dossier", kwargs={"code": payment.dossier.code})
        context["statuses"] = PaymentStatus
    return render(request, "payments/result.html", context, status=200 if payment is not None else 404)


@csrf_exempt  # server to server, authenticated by the gateway's signature, not by a session
@never_cache
@require_http_methods(["GET", "POST"])
def payment_ipn(request):
    """The gateway's notification (IPN), answered in the gateway's own protocol."""
    params = request.GET.dict() if request.method == "GET" else (request.POST.dict() or request.GET.dict())
    _outcome, reply = payment_notification_receive(params=params, source_ip=client_ip(request))
    return JsonResponse(reply)

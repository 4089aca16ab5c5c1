"""The payment-gateway interface: one adapter per gateway (VNPAY-shaped now; PayGov, bank QR later).

The flow is GOV.UK Pay's (anchors.md §5): create a payment and redirect the citizen to the
gateway; the citizen comes back to our return URL; the result is trusted only when the gateway
says so in a signed server-to-server notification (IPN) or in a signed answer to our status query.

An adapter never touches the database: the services give it a `Payment` to read and act on what
it answers.
"""

from __future__ import annotations

import datetime as dt
import importlib
from abc import ABC, abstractmethod
from collections.abc import Mapping
from dataclasses import dataclass, field

from django.conf import settings

from tinhso.payments.models import Outcome, Payment


class GatewayUnavailable(Exception):
    """The gateway could not be reached or answered nonsense (the caller retries later)."""


@dataclass(frozen=True)
class CallbackResult:
    """A callback (IPN or return) as the adapter read it. Nothing in it is true unless
    `signature_valid`."""

    signature_valid: bool
    reference: str
    amount: int | None          # VND
    paid: bool                  # the gateway says the money was taken
    cancelled: bool             # the citizen cancelled at the gateway
    transaction_id: str
    response_code: str
    paid_at: dt.datetime | None


@dataclass(frozen=True)
class QueryResult:
    """The gateway's answer to a status query."""

    verified: bool              # the answer's signature is valid
    found: bool
    status: str                 # "paid", "failed", "cancelled" or "pending"
    amount: int | None
    transaction_id: str
    response_code: str
    paid_at: dt.datetime | None
    raw: dict = field(default_factory=dict)   # the answer as received, for the event log


class Gateway(ABC):
    name: str

    @abstractmethod
    def is_configured(self) -> bool:
        """Are the URL and the merchant's credentials set? Without them the pay button is not shown."""

    @abstractmethod
    def create(self, payment: Payment, *, return_url: str, notify_url: str, client_ip: str) -> tuple[str, dict]:
        """Register the payment at the gateway. Returns (URL to send the citizen to, the
        parameters sent, kept on the payment for later queries)."""

    @abstractmethod
    def verify_callback(self, params: Mapping[str, str]) -> CallbackResult:
        """Read and check a callback's parameters (signature first)."""

    @abstractmethod
    def query(self, payment: Payment) -> QueryResult:
        """Ask the gateway for the payment's status. Raises GatewayUnavailable."""

    @abstractmethod
    def callback_reply(self, outcome: Outcome) -> dict:
        """The body to answer a server-to-server notification with, in the gateway's protocol."""


#: name → "module:class". A deployment chooses one with TINHSO_PAY_GATEWAY.
GATEWAYS = {"vnpay": "tinhso.payments.vnpay:VnpayGateway"}


def gateway_get(name: str | None = None) -> Gateway:
    module, _, attribute = GATEWAYS[name or settings.TINHSO_PAY_GATEWAY].partition(":")
    return getattr(importlib.import_module(module), attribute)()

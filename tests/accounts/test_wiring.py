"""The settings that make the accounts app work as documented (docs/modules/accounts.md)."""

from __future__ import annotations

from django.conf import settings
from django.template.loader import get_template


def test_accounts_templates_win_over_allauths_own():
    assert "tinhso/accounts/templates" in get_template("account/login.html").origin.name.replace("\\", "/")
    assert "tinhso/accounts/templates" in get_template("mfa/authenticate.html").origin.name.replace("\\", "/")


def test_allauth_and_axes_use_the_accounts_adapters_and_form():
    assert settings.ACCOUNT_ADAPTER == "tinhso.accounts.adapters.AccountAdapter"
    assert settings.MFA_ADAPTER == "tinhso.accounts.adapters.MfaAdapter"
    assert settings.ACCOUNT_FORMS["login"] == "tinhso.accounts.forms.LoginForm"
    assert settings.AXES_USERNAME_CALLABLE == "tinhso.accounts.adapters.axes_username"
    assert settings.AXES_LOCKOUT_TEMPLATE == "account/locked_out.html"


def test_the_admin_login_goes_through_allauth_so_it_asks_for_the_second_factor(client):
    response = client.get("/quan-tri/login/")
    assert response.status_code == 302 and response.url.startswith("/tai-khoan/login/")

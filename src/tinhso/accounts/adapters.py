from allauth.account.adapter import DefaultAccountAdapter


class AccountAdapter(DefaultAccountAdapter):
    """Open sign-up is closed: citizens arrive through VNeID or are registered at the counter;
    officials are created by their agency admin."""

    def is_open_for_signup(self, request):
        return False

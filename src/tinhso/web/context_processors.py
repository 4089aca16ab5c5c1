from django.conf import settings


def deployment(request):
    from tinhso.core.selectors import deployment_province

    return {"deployment_province": deployment_province(), "tinhso_debug": settings.DEBUG}

import os

from django.conf import settings
from django.core.wsgi import get_wsgi_application

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "tinhso.settings")
application = get_wsgi_application()

if settings.TINHSO_STANDINS:
    # Demo only: the local stand-ins for national systems answer under /gia-lap/ (tinhso.standins).
    from tinhso.standins import Mount

    application = Mount(application)

"""HTTP API of core: administrative units and agencies."""

from ninja import Router

router = Router(tags=["core"])

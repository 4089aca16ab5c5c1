"""The officer back office (một cửa): inbox, dossier page with its actions, counter intake, register.

Server-rendered pages over the dossier services and selectors; no JavaScript needed. See
docs/modules/backoffice.md.
"""

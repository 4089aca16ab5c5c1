import pytest
from django.db import OperationalError


@pytest.mark.django_db
def test_healthz_reports_the_database_reachable(client):
    response = client.get("/healthz")
    assert response.status_code == 200
    assert response.json() == {"status": "ok", "database": "ok"}
    assert "no-cache" in response["Cache-Control"]


@pytest.mark.django_db
def test_readyz_is_ready_once_migrated(client):
    response = client.get("/readyz")
    assert response.status_code == 200
    assert response.json() == {"status": "ok"}


@pytest.mark.django_db
def test_healthz_answers_503_when_the_database_is_down(client, monkeypatch):
    from django.db.backends.base.base import BaseDatabaseWrapper

    def down(self, *args, **kwargs):
        raise OperationalError("could not connect")

    monkeypatch.setattr(BaseDatabaseWrapper, "cursor", down)
    monkeypatch.setattr(BaseDatabaseWrapper, "ensure_connection", down)
    for path in ("/healthz", "/readyz"):
        response = client.get(path)
        assert response.status_code == 503
        assert response.json()["status"] == "error"


@pytest.mark.django_db
def test_readyz_reports_pending_migrations(client, monkeypatch):
    from django.db.migrations.executor import MigrationExecutor

    monkeypatch.setattr(MigrationExecutor, "migration_plan", lambda self, targets: [("app", False)])
    response = client.get("/readyz")
    assert response.status_code == 503
    assert response.json()["migrations"] == "pending"

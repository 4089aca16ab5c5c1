import pytest


@pytest.mark.django_db
def test_healthz_reports_the_database_reachable(client):
    response = client.get("/healthz")
    assert response.status_code == 200
    assert response.json() == {"status": "ok", "database": "ok"}


@pytest.mark.django_db
def test_readyz_is_ready_once_migrated(client):
    response = client.get("/readyz")
    assert response.status_code == 200

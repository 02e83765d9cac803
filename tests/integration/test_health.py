from tests.conftest import make_app


def test_healthz_reports_the_database_and_the_in_process_broker(client):
    response = client.get("/healthz")
    assert response.status_code == 200
    assert response.json == {"database": "ok", "broker": "in-process"}


def test_healthz_is_503_when_the_database_does_not_answer(smtp_server):
    app = make_app(
        "postgresql+psycopg://postgres@127.0.0.1:1/none",
        smtp_server[0],
        REDIS_URL="redis://127.0.0.1:1/0",
    )
    response = app.test_client().get("/healthz")
    assert response.status_code == 503
    assert response.json["database"].startswith("error")
    assert response.json["broker"].startswith("error")

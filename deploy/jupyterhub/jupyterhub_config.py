"""A JupyterHub for one class on one machine: memlab's lessons and dashboard, one server per student.

Start it with `make hub` (loopback, prints the address and the login) or, from the repository root,

    MEMLAB_HUB_PASSWORD=... .venv/bin/jupyterhub -f deploy/jupyterhub/jupyterhub_config.py

tests/server/test_jupyterhub.py starts it the same way, with ten students. What each part is, and what a
school changes (docs/deploy.md, "A classroom server"):

* The proxy: configurable-http-proxy (npm), installed by `make hub` into .hub-node/ (git-ignored). It sends
  /hub/ to the hub and /user/NAME/ to that student's server, websockets included.
* Sign-in: SharedPasswordAuthenticator, one shared password for every name (MEMLAB_HUB_PASSWORD). Good for trying the
  hub on this machine, not for a class: a school signs students in through its LMS (LTI 1.3,
  ltiauthenticator), its accounts (OAuth, oauthenticator) or its directory (LDAP, ldapauthenticator).
* The servers: LimitedSpawner (limited_spawner.py) runs each student's JupyterLab as this OS user, in a home
  folder of its own under MEMLAB_HUB_DIR, inside a cgroup holding the memory and CPU limits. A school runs
  SystemdSpawner (or LocalProcessSpawner) with a real account per student, or Kubernetes (Zero to JupyterHub).
* The culler: jupyterhub-idle-culler, a hub service that stops a student's server after
  MEMLAB_HUB_IDLE_TIMEOUT idle seconds (default an hour) and gives its memory back.

The students' servers read the same settings files as Binder (jupyter_config/jupyter_server_config.json: the
upload size and kernel culling; voila.json: the dashboard's Voila settings), from this repository.

Settings (environment variables): MEMLAB_HUB_PASSWORD (required, the students'), MEMLAB_HUB_TEACHER_PASSWORD
(optional: signs in "teacher" as the hub's admin), MEMLAB_HUB_PORT (8000), MEMLAB_HUB_DIR
(the hub's database, secrets and the students' homes; default a folder in the system's temp folder),
MEMLAB_HUB_MEM_LIMIT (2G per student), MEMLAB_HUB_CPU_LIMIT (1 core per student), MEMLAB_HUB_IDLE_TIMEOUT
(3600 s), MEMLAB_HUB_API_PORT and MEMLAB_HUB_PROXY_API_PORT (the hub's and the proxy's own loopback ports,
8081 and 8001). MEMLAB_DATA, MEMLAB_CACHE and MEMLAB_OFFLINE, where set, go on to every student's server
(the datasets and the prepared indexes are shared, never copied into each home).
"""

import os
import sys
import tempfile
from pathlib import Path

HERE = Path(__file__).resolve().parent
REPO = HERE.parents[1]
sys.path.insert(0, str(HERE))

from limited_spawner import enforced_limits_note  # noqa: E402  (the folder above is on the path first)

c = get_config()  # noqa: F821  (JupyterHub defines get_config for its configuration files)


def setting(name, default=None):
    value = os.environ.get(name, default)
    if value is None:
        sys.exit(f"jupyterhub_config.py: set {name} (see the top of {__file__})")
    return value


password = setting("MEMLAB_HUB_PASSWORD")
if len(password) < 8:
    sys.exit("jupyterhub_config.py: MEMLAB_HUB_PASSWORD must have at least 8 characters")
state = Path(setting("MEMLAB_HUB_DIR", str(Path(tempfile.gettempdir()) / "memlab-hub")))
(state / "homes").mkdir(parents=True, exist_ok=True)
idle_timeout = int(setting("MEMLAB_HUB_IDLE_TIMEOUT", "3600"))

# --- where the hub listens: loopback only; put TLS (nginx, or the hub's own ssl_cert/ssl_key) in front for a class
c.JupyterHub.ip = "127.0.0.1"
c.JupyterHub.port = int(setting("MEMLAB_HUB_PORT", "8000"))
c.JupyterHub.hub_ip = "127.0.0.1"
c.JupyterHub.hub_port = int(setting("MEMLAB_HUB_API_PORT", "8081"))
c.JupyterHub.db_url = f"sqlite:///{state / 'jupyterhub.sqlite'}"
c.JupyterHub.cookie_secret_file = str(state / "jupyterhub_cookie_secret")
c.JupyterHub.pid_file = str(state / "jupyterhub.pid")

# --- the proxy: configurable-http-proxy from npm (make hub installs it into .hub-node/)
local_proxy = REPO / ".hub-node" / "node_modules" / ".bin" / "configurable-http-proxy"
c.ConfigurableHTTPProxy.command = [str(local_proxy) if local_proxy.exists() else "configurable-http-proxy"]
c.ConfigurableHTTPProxy.api_url = f"http://127.0.0.1:{int(setting('MEMLAB_HUB_PROXY_API_PORT', '8001'))}"
c.ConfigurableHTTPProxy.pid_file = str(state / "jupyterhub-proxy.pid")

# --- sign-in: any name with the shared password; "teacher", with a password of its own (32 characters or more,
#     MEMLAB_HUB_TEACHER_PASSWORD), is the hub's admin: it sees and can stop every student's server
c.JupyterHub.authenticator_class = "shared-password"
c.SharedPasswordAuthenticator.user_password = password
c.Authenticator.allow_all = True
if os.environ.get("MEMLAB_HUB_TEACHER_PASSWORD"):
    c.SharedPasswordAuthenticator.admin_password = os.environ["MEMLAB_HUB_TEACHER_PASSWORD"]
    c.Authenticator.admin_users = {"teacher"}

# --- each student's server: JupyterLab from this repository's .venv (with voila, nbgitpuller and memlab)
c.JupyterHub.spawner_class = "limited_spawner.LimitedSpawner"
c.LimitedSpawner.home_dir_template = str(state / "homes" / "{username}")
c.Spawner.cmd = [str(Path(sys.executable).with_name("jupyterhub-singleuser"))]
c.Spawner.default_url = "/lab"
if os.geteuid() == 0:  # containers and CI run as root; a school's students each have their own account instead
    c.Spawner.args = ["--allow-root"]
c.Spawner.mem_limit = setting("MEMLAB_HUB_MEM_LIMIT", "2G")
c.Spawner.cpu_limit = float(setting("MEMLAB_HUB_CPU_LIMIT", "1"))
c.Spawner.start_timeout = 120  # a cold server on a busy machine imports JupyterLab's extensions slowly
c.Spawner.http_timeout = 120
c.Spawner.environment = {
    # the Binder settings, read from the repository: upload size, kernel culling, the dashboard's Voila settings
    "JUPYTER_CONFIG_PATH": os.pathsep.join([str(REPO / "jupyter_config"), str(REPO)]),
    # the datasets and the prepared search indexes, shared by every student (never copied into each home)
    "MEMLAB_DATA": os.environ.get("MEMLAB_DATA", ""),
    "MEMLAB_CACHE": os.environ.get("MEMLAB_CACHE")
    or str(Path(os.environ.get("XDG_CACHE_HOME") or Path.home() / ".cache") / "memlab"),
    "MEMLAB_OFFLINE": os.environ.get("MEMLAB_OFFLINE", ""),
    "MEMLAB_QUICK": os.environ.get("MEMLAB_QUICK", ""),  # the test runs the lessons in quick mode
    # how often a server tells the hub it is in use (the culler reads it): at most a quarter of the timeout
    "JUPYTERHUB_ACTIVITY_INTERVAL": str(max(5, min(300, idle_timeout // 4))),
}
c.Spawner.environment = {
    name: value for name, value in c.Spawner.environment.items() if value
}  # unset: memlab's defaults

# --- the idle culler: stops a server nobody has used for idle_timeout seconds (its kernels with it)
c.JupyterHub.load_roles = [
    {
        "name": "idle-culler",
        "scopes": ["list:users", "read:users:activity", "read:servers", "delete:servers"],
        "services": ["idle-culler"],
    }
]
c.JupyterHub.services = [
    {
        "name": "idle-culler",
        "command": [
            sys.executable,
            "-m",
            "jupyterhub_idle_culler",
            f"--timeout={idle_timeout}",
            f"--cull-every={max(5, min(600, idle_timeout // 4))}",
        ],
    }
]

print(f"memlab hub: {enforced_limits_note()}; idle servers stopped after {idle_timeout} s", file=sys.stderr)

"""The deployment files in deploy/ stay in step with the sidecar's flags and routes."""

from __future__ import annotations

import shlex
import subprocess
from pathlib import Path

import yaml

from vona.sidecar import SidecarSettings

DEPLOY = Path(__file__).parents[2] / "deploy"


def test_systemd_unit_flags_parse(tmp_path: Path) -> None:
    unit = (DEPLOY / "systemd" / "vona-sidecar@.service").read_text()
    lines = unit.split("ExecStart=", 1)[1].splitlines()
    command = []
    for line in lines:  # the command's continuation lines end in a backslash
        command.append(line.rstrip("\\"))
        if not line.endswith("\\"):
            break
    argv = shlex.split(" ".join(command))
    assert argv[:2] == ["/opt/vona/bin/vona", "sidecar"]
    (tmp_path / "token").write_text("k" * 32)
    subst = {"%i": "03", "%t": "/run", "${CREDENTIALS_DIRECTORY}": str(tmp_path)}
    args = []
    for arg in argv[2:]:
        for key, value in subst.items():
            arg = arg.replace(key, value)
        args.append(arg)
    settings = SidecarSettings.from_args(args, environ={})
    assert (settings.host, settings.port) == ("127.0.0.1", 9003)
    assert settings.node_id == "core03"
    assert settings.ipc_path == "/run/vona-sidecar-03/sidecar.sock"
    assert "RuntimeDirectoryMode=0700" in unit


def test_kubernetes_manifest_probes_and_drain() -> None:
    docs = list(yaml.safe_load_all((DEPLOY / "kubernetes" / "sidecar.yaml").read_text()))
    deployment = next(d for d in docs if d["kind"] == "Deployment")
    pod = deployment["spec"]["template"]["spec"]
    (container,) = pod["containers"]
    assert container["readinessProbe"]["httpGet"]["path"] == "/readyz"
    assert container["livenessProbe"]["httpGet"]["path"] == "/healthz"
    drain = float(container["args"][container["args"].index("--drain-timeout") + 1])
    assert pod["terminationGracePeriodSeconds"] > drain
    SidecarSettings.from_args(container["args"], environ={})


def test_containerfile_entrypoint_parses(tmp_path: Path) -> None:
    text = (DEPLOY / "Containerfile").read_text()
    line = next(x for x in text.splitlines() if x.startswith("ENTRYPOINT"))
    argv = yaml.safe_load(line.removeprefix("ENTRYPOINT "))
    assert argv[:2] == ["vona", "sidecar"]
    token = tmp_path / "t"
    token.write_text("k" * 20)
    args = [str(token) if a == "/run/secrets/vona-token" else a for a in argv[2:]]
    settings = SidecarSettings.from_args(args, environ={})
    assert settings.host == "0.0.0.0"


def test_haproxy_example_is_valid() -> None:
    done = subprocess.run(
        ["haproxy", "-c", "-f", str(DEPLOY / "haproxy.cfg")], capture_output=True, text=True
    )
    assert done.returncode == 0, done.stderr

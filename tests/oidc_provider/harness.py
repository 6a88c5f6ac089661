"""Starts the real OpenID Connect provider (npm oidc-provider, see provider.mjs) as a separate
Node process, configured like ID-porten ("citizen") or like HelseID ("helseid")."""

from __future__ import annotations

import json
import shutil
import socket
import subprocess
import tempfile
import time
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from joserfc.jwk import RSAKey

HERE = Path(__file__).resolve().parent
PROVIDER_SCRIPT = HERE / "provider.mjs"
NODE_MODULES = HERE / "node_modules" / "oidc-provider"
NODE_MODULES_MISSING_REASON = (
    "oidc-provider is not installed: run "
    "`npm ci --prefix tests/oidc_provider --no-audit --no-fund` (tests/run.sh does)"
)
NODE_MISSING_REASON = "Node.js (`node`) is not installed: the OpenID Connect provider cannot run"
# Node loads oidc-provider in well under a second on a quiet machine; a CI machine busy with
# Chromium, PostgreSQL and Java has taken more than 15 s. The wait ends as soon as READY comes.
READY_TIMEOUT = 90.0
START_ATTEMPTS = 3


def available() -> str | None:
    """Why the provider cannot run here (a reason to skip with), or None when it can."""
    if shutil.which("node") is None:
        return NODE_MISSING_REASON
    if not (NODE_MODULES / "package.json").is_file():
        return NODE_MODULES_MISSING_REASON
    return None


def free_port() -> int:
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


@dataclass
class RunningProvider:
    issuer: str
    process: subprocess.Popen[bytes]
    workdir: tempfile.TemporaryDirectory[str] = field(repr=False)

    @property
    def log(self) -> str:
        """What the provider wrote to stderr so far (its warnings and server errors)."""
        return (Path(self.workdir.name) / "stderr.txt").read_text(errors="replace")

    def stop(self) -> None:
        if self.process.poll() is None:
            self.process.terminate()
            try:
                self.process.wait(timeout=5)
            except subprocess.TimeoutExpired:
                self.process.kill()
                self.process.wait(timeout=5)
        self.workdir.cleanup()


def start(
    profile: str,
    clients: list[dict[str, Any]],
    accounts: dict[str, dict[str, Any]] | None = None,
    id_token_ttl: int | None = None,
    port: int | None = None,
    dpop_nonce: bool = True,
) -> RunningProvider:
    """Start the provider and wait for it to listen. `profile` is "citizen" or "helseid";
    `clients` go straight to oidc-provider; `accounts` maps a login name to its claims.
    `dpop_nonce=False` lets the HelseID profile's token endpoint accept DPoP proofs without
    a server nonce."""
    if profile not in ("citizen", "helseid"):
        raise ValueError(f"unknown profile {profile!r}")
    reason = available()
    if reason:
        raise RuntimeError(reason)
    failures: list[str] = []
    for _attempt in range(START_ATTEMPTS if port is None else 1):
        running, failure = _start_once(profile, clients, accounts, id_token_ttl,
                                       port or free_port(), dpop_nonce)
        if running is not None:
            return running
        failures.append(failure)
        # Only a lost race for a free port is worth another try; anything else is a real fault.
        if "EADDRINUSE" not in failure:
            break
    raise RuntimeError("the OpenID Connect provider did not start:\n" + "\n---\n".join(failures))


def _start_once(
    profile: str,
    clients: list[dict[str, Any]],
    accounts: dict[str, dict[str, Any]] | None,
    id_token_ttl: int | None,
    port: int,
    dpop_nonce: bool,
) -> tuple[RunningProvider | None, str]:
    """One start on `port`: the running provider, or None and why it did not start."""
    issuer = f"http://127.0.0.1:{port}"
    config: dict[str, Any] = {
        "issuer": issuer, "port": port, "profile": profile, "clients": clients,
        "accounts": accounts or {}, "dpopNonce": dpop_nonce,
    }
    if id_token_ttl is not None:
        config["idTokenTtl"] = id_token_ttl
    workdir = tempfile.TemporaryDirectory(prefix="oidc-provider-")
    folder = Path(workdir.name)
    (folder / "config.json").write_text(json.dumps(config))
    stdout_path, stderr_path = folder / "stdout.txt", folder / "stderr.txt"
    # Output goes to files, not pipes: nobody reads a pipe once the provider is up.
    with stdout_path.open("wb") as stdout, stderr_path.open("wb") as stderr:
        process = subprocess.Popen(
            ["node", str(PROVIDER_SCRIPT), str(folder / "config.json")],
            cwd=HERE, stdin=subprocess.DEVNULL, stdout=stdout, stderr=stderr,
        )
    running = RunningProvider(issuer=issuer, process=process, workdir=workdir)
    started = time.monotonic()
    while f"READY {issuer}" not in stdout_path.read_text(errors="replace").splitlines():
        code = process.poll()
        waited = time.monotonic() - started
        if code is not None or waited > READY_TIMEOUT:
            what = (f"node exited with code {code}" if code is not None
                    else f"no READY line after {waited:.0f} s")
            failure = (f"{what} (port {port})\nstdout: "
                       f"{stdout_path.read_text(errors='replace')}\nstderr: {running.log}")
            running.stop()
            return None, failure
        time.sleep(0.02)
    return running, ""


@contextmanager
def running(
    profile: str,
    clients: list[dict[str, Any]],
    accounts: dict[str, dict[str, Any]] | None = None,
    id_token_ttl: int | None = None,
    port: int | None = None,
    dpop_nonce: bool = True,
) -> Iterator[RunningProvider]:
    """`with running("citizen", clients) as provider:` – started, and stopped afterwards."""
    provider = start(profile, clients, accounts, id_token_ttl, port, dpop_nonce)
    try:
        yield provider
    finally:
        provider.stop()


def generate_client_key(kid: str = "portal-test-key") -> tuple[dict[str, Any], dict[str, Any]]:
    """A client signing key for private_key_jwt: (private JWK, public JWKS for the client's
    `jwks` in the provider's client configuration)."""
    key = RSAKey.generate_key(2048, parameters={"kid": kid, "use": "sig", "alg": "RS256"})
    private = key.as_dict(private=True)
    public = key.as_dict(private=False)
    return private, {"keys": [public]}

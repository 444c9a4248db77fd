"""Run a program under strace and find every attempt to reach the network, at the system call.

Why system calls: the old offline test patched Python's socket functions, so native code
(onnxruntime's telemetry resolving its collector with glibc) and `sendmsg` passed it by, and it
ran in a network namespace where an attempt failed quietly. Every packet a process sends, and
every name lookup glibc makes, goes through `connect`, `sendto`, `sendmsg` or `sendmmsg`,
whichever library asks; strace (ptrace, `--seccomp-bpf` so the untraced calls run at full speed)
records them all in the program and every thread and child it starts, whether or not they
succeed. An attempt that fails is still an attempt.

What counts as leaving the machine (`offences`):

* any address family but AF_UNIX, AF_NETLINK and AF_UNSPEC (a UDP "disconnect");
* an AF_INET/AF_INET6 address outside loopback (127.0.0.0/8, ::1, ::ffff:127.0.0.0/104);
* port 53 even on loopback: a stub resolver there (systemd-resolved's 127.0.0.53, or glibc's
  default 127.0.0.1 when /etc/resolv.conf names none) forwards the name to the network;
* an AF_UNIX socket of a name service (systemd-resolved's varlink socket, nscd): a host name
  lookup that a resolver daemon would take outside;
* a send on a socket whose peer, as strace's `-yy` shows it, is outside loopback.

Lines that fail these rules are returned verbatim, so a failing test names the call, the thread
and the address.
"""

from __future__ import annotations

import ipaddress
import logging
import re
import shutil
import subprocess
import threading
import time
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path

log = logging.getLogger(__name__)

CALLS = ("connect", "sendto", "sendmsg", "sendmmsg")
TRACED = (*CALLS, "execve")  # execve: proof that the trace saw the program at all
ALLOWED_FAMILIES = {"AF_UNIX", "AF_LOCAL", "AF_NETLINK", "AF_UNSPEC"}
NAME_SERVICE_SOCKETS = ("/run/systemd/resolve/", "/var/run/nscd/", "/run/nscd/")
DNS_PORT = 53
# onnxruntime's telemetry stays silent when any of these is set (strings in its library): a
# traced program must run without them, as on a user's machine, or CI cannot see it.
CI_MARKERS = ("CI", "TF_BUILD", "GITHUB_ACTIONS", "GITLAB_CI", "CIRCLECI", "TRAVIS",
              "JENKINS_URL", "BUILDKITE", "SYSTEM_TEAMFOUNDATIONCOLLECTIONURI")

_ADDRESS = re.compile(r"\{sa_family=(?P<family>AF_\w+)(?P<rest>[^{}]*)\}")
_PORT = re.compile(r"sin6?_port=htons\((?P<port>\d+)\)")
_IPV4 = re.compile(r'sin_addr=inet_addr\("(?P<ip>[^"]+)"\)')
_IPV6 = re.compile(r'inet_pton\(AF_INET6, "(?P<ip>[^"]+)"')
_UNIX_PATH = re.compile(r'sun_path=@?"(?P<path>[^"]*)"')
# strace -yy: `12<UDP:[10.0.0.2:41000->10.255.255.53:53]>` or `[...]->[::1]:53]>`
_PEER = re.compile(r"<(?:TCP|UDP|TCPv6|UDPv6):\[[^\]]*?->\[?(?P<ip>[0-9a-fA-F.:]+?)\]?:(?P<port>\d+)\]>")


class StraceUnavailable(RuntimeError):
    """strace is missing or may not trace here; the message says how to fix it."""


@dataclass
class Traced:
    """One traced run: its exit, its output, and every traced call strace recorded."""

    returncode: int
    stdout: str
    stderr: str
    calls: list[str] = field(default_factory=list)

    def offences(self) -> list[str]:
        return offences(self.calls)


def loopback(ip: str) -> bool:
    try:
        address = ipaddress.ip_address(ip.split("%")[0])
    except ValueError:
        return False
    if isinstance(address, ipaddress.IPv6Address) and address.ipv4_mapped is not None:
        address = address.ipv4_mapped
    return address.is_loopback


def why_it_leaves(line: str) -> str | None:
    """Why this strace line is an attempt to reach past the machine, or None when it is not."""
    for match in _ADDRESS.finditer(line):
        family, rest = match["family"], match["rest"]
        if family in ("AF_UNIX", "AF_LOCAL"):
            path = _UNIX_PATH.search(rest)
            if path and path["path"].startswith(NAME_SERVICE_SOCKETS):
                return f"a name-service socket ({path['path']}): a host name lookup"
            continue
        if family in ALLOWED_FAMILIES:
            continue
        if family not in ("AF_INET", "AF_INET6"):
            return f"address family {family}"
        ip = (_IPV4 if family == "AF_INET" else _IPV6).search(rest)
        port = _PORT.search(rest)
        if ip is None or not loopback(ip["ip"]):
            return f"{family} address {ip['ip'] if ip else '(unparsed)'} is not loopback"
        if port is not None and int(port["port"]) == DNS_PORT:
            return f"port 53 on {ip['ip']}: a DNS query"
    peer = _PEER.search(line)
    if peer is not None:
        if not loopback(peer["ip"]):
            return f"a socket connected to {peer['ip']}:{peer['port']}"
        if int(peer["port"]) == DNS_PORT:
            return f"a socket connected to {peer['ip']}:53: a DNS query"
    return None


def offences(lines: Sequence[str]) -> list[str]:
    """Each traced line that reaches past the machine, with the reason in front."""
    found = []
    for line in lines:
        reason = why_it_leaves(line)
        if reason is not None:
            found.append(f"{reason}: {line.strip()}")
    return found


def strace_command() -> list[str]:
    """The strace prefix; raises `StraceUnavailable` when it cannot trace here."""
    strace = shutil.which("strace")
    if strace is None:
        raise StraceUnavailable("strace is not installed: run ./setup.sh (it installs strace "
                                "for the tests), or `apt-get install -y strace`")
    probe = subprocess.run([strace, "-f", "-qq", "-o", "/dev/null", "true"],
                           capture_output=True, text=True)
    if probe.returncode != 0:
        raise StraceUnavailable(f"strace cannot trace here ({probe.stderr.strip()[-300:]}); "
                                "a container needs ptrace allowed (e.g. --cap-add SYS_PTRACE)")
    return [strace, "-f", "-qq", "--seccomp-bpf", "-yy", "-s", "80",
            "-e", f"trace={','.join(TRACED)}", "-e", "signal=none"]


def run_traced(command: Sequence[str], *, env: Mapping[str, str], cwd: Path, log_file: Path,
               typed: Sequence[tuple[float, str]] = (), timeout: float = 90) -> Traced:
    """Run `command` under strace (following every thread and child) and collect the calls.

    `typed`: (seconds after the start, line) pairs written to its stdin, which then closes."""
    full = [*strace_command(), "-o", str(log_file), "--", *command]
    log.info("tracing: %s", " ".join(full))
    proc = subprocess.Popen(full, env=dict(env), cwd=cwd, stdin=subprocess.PIPE,
                            stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
    assert proc.stdin is not None
    started = time.monotonic()

    def type_lines() -> None:
        try:
            for at, line in typed:
                time.sleep(max(0.0, started + at - time.monotonic()))
                proc.stdin.write(line + "\n")
                proc.stdin.flush()
            proc.stdin.close()
        except (BrokenPipeError, ValueError):  # the program ended first
            pass

    typist = threading.Thread(target=type_lines, daemon=True)
    typist.start()
    try:
        stdout, stderr = _communicate(proc, timeout)
    finally:
        typist.join(1)
    calls = log_file.read_text(errors="replace").splitlines() if log_file.exists() else []
    if not any("execve(" in line for line in calls):
        raise StraceUnavailable(f"strace recorded no execve in {log_file}: the check saw nothing")
    return Traced(proc.returncode, stdout, stderr, calls)


def _communicate(proc: subprocess.Popen[str], timeout: float) -> tuple[str, str]:
    """stdout and stderr of `proc` (stdin is the typist's), killing it after `timeout`."""
    out: dict[str, str] = {}

    def read(name: str) -> None:
        out[name] = getattr(proc, name).read()

    readers = [threading.Thread(target=read, args=(name,), daemon=True)
               for name in ("stdout", "stderr")]
    for reader in readers:
        reader.start()
    try:
        proc.wait(timeout)
    except subprocess.TimeoutExpired:
        proc.kill()
        proc.wait(10)
        raise
    finally:
        for reader in readers:
            reader.join(10)
    return out.get("stdout", ""), out.get("stderr", "")

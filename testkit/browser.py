"""A real headless Chromium for the web-screen tests (Debian's `chromium` and `chromium-driver`,
driven by Selenium), and a look at who listens on a port.

Nothing is downloaded: the driver and the browser are the system's, named by path, so Selenium
never starts its own manager; Chromium runs with a fresh profile and its background network
features off (there is no network in CI, and nothing should try).
"""

from __future__ import annotations

import os
import shutil
import tempfile
from contextlib import contextmanager
from pathlib import Path
from typing import Iterator

CHROMIUM = "/usr/bin/chromium"
CHROMEDRIVER = "/usr/bin/chromedriver"
CHROMIUM_FLAGS = ("--headless", "--no-sandbox", "--disable-gpu", "--disable-background-networking",
                  "--disable-component-update", "--disable-sync", "--no-first-run",
                  "--disable-dev-shm-usage")


def missing_browser() -> str | None:
    """Why a real browser cannot run here, or None when it can."""
    for path, package in ((CHROMIUM, "chromium"), (CHROMEDRIVER, "chromium-driver")):
        if not os.access(path, os.X_OK):
            return f"{path} is missing: apt-get install {package} (setup.sh installs it)"
    try:
        import selenium  # noqa: F401
    except ImportError:
        return "selenium is not installed (the test extras: pip install -e .[test])"
    return None


@contextmanager
def chromium(width: int = 1280, height: int = 800, dark: bool = False) -> Iterator["object"]:
    """A headless Chromium under Selenium, its page `width` x `height`, in the light or dark
    theme (the page size and prefers-color-scheme set through the DevTools protocol)."""
    from selenium import webdriver
    from selenium.webdriver.chrome.service import Service

    profile = Path(tempfile.mkdtemp(prefix="coach-chromium-"))
    options = webdriver.ChromeOptions()
    options.binary_location = CHROMIUM
    for flag in CHROMIUM_FLAGS:
        options.add_argument(flag)
    options.add_argument(f"--user-data-dir={profile}")
    options.add_argument(f"--disk-cache-dir={profile / 'cache'}")
    options.add_argument(f"--window-size={width},{height}")
    os.environ.setdefault("SE_OFFLINE", "true")  # Selenium Manager must never fetch anything
    driver = webdriver.Chrome(service=Service(executable_path=CHROMEDRIVER), options=options)
    try:
        driver.execute_cdp_cmd("Emulation.setDeviceMetricsOverride", {
            "width": width, "height": height, "deviceScaleFactor": 1, "mobile": False})
        driver.execute_cdp_cmd("Emulation.setEmulatedMedia", {"features": [
            {"name": "prefers-color-scheme", "value": "dark" if dark else "light"}]})
        yield driver
    finally:
        driver.quit()
        shutil.rmtree(profile, ignore_errors=True)


def _socket_inodes(pid: int) -> set[str]:
    inodes = set()
    for fd in Path(f"/proc/{pid}/fd").iterdir():
        try:
            target = os.readlink(fd)
        except OSError:
            continue
        if target.startswith("socket:["):
            inodes.add(target[len("socket:["):-1])
    return inodes


def listening_addresses(pid: int, port: int) -> list[str]:
    """Every address process `pid` listens on at TCP `port`, read from /proc/net/tcp and tcp6
    (state 0A is LISTEN), as "127.0.0.1" / "::" etc."""
    import ipaddress

    owned = _socket_inodes(pid)
    found = []
    for table, size in (("tcp", 4), ("tcp6", 16)):
        path = Path(f"/proc/{pid}/net/{table}")
        if not path.exists():
            continue
        for line in path.read_text().splitlines()[1:]:
            fields = line.split()
            local, state, inode = fields[1], fields[3], fields[9]
            address, port_hex = local.split(":")
            if state != "0A" or int(port_hex, 16) != port or inode not in owned:
                continue
            raw = bytes.fromhex(address)
            # the kernel prints each 32-bit word in host (little-endian) order
            raw = b"".join(raw[i:i + 4][::-1] for i in range(0, len(raw), 4))
            found.append(str(ipaddress.ip_address(raw)))
    return found

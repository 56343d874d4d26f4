"""Bring the web app's front-end libraries from the npm registry into the repository, pinned and with their licences.

Run it by hand when a version below changes (`python scripts/vendor.py`); its output is committed, so `make run`
needs neither npm nor a network, and nothing is built when the app runs. Each tarball is checked against the
registry's published integrity hash before a byte of it is used.
"""

import base64
import hashlib
import io
import json
import re
import shutil
import sys
import tarfile
import urllib.request
from dataclasses import dataclass, field
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
STATIC = ROOT / "src" / "tidings" / "web" / "static" / "vendor"
TEST_VENDOR = ROOT / "tests" / "support" / "vendor"
REGISTRY = "https://registry.npmjs.org"

# The icons the templates use, gathered into one small sprite (`{% icon "name" %}`); add a name here to use it.
ICONS = [
    "adjustments",
    "player-stop",
    "repeat",
    "rss",
    "building-store",
    "file-type-pdf",
    "layout-grid",
    "message-circle",
    "message-plus",
    "messages",
    "user-circle",
    "alert-triangle",
    "arrow-back-up",
    "arrow-down",
    "arrow-up",
    "arrows-shuffle",
    "bell",
    "bolt",
    "brand-bluesky",
    "brand-facebook",
    "brand-instagram",
    "brand-linkedin",
    "brand-mastodon",
    "brand-pinterest",
    "brand-threads",
    "brand-tiktok",
    "brand-x",
    "brand-youtube",
    "calendar",
    "calendar-event",
    "check",
    "checklist",
    "chevron-down",
    "chevron-left",
    "chevron-right",
    "circle-check",
    "clock",
    "coin",
    "copy",
    "device-floppy",
    "dots-vertical",
    "download",
    "edit",
    "external-link",
    "eye",
    "filter",
    "grip-vertical",
    "help-circle",
    "history",
    "home",
    "info-circle",
    "layout-dashboard",
    "link",
    "list",
    "list-details",
    "logout",
    "menu-2",
    "message",
    "moon",
    "photo",
    "player-play",
    "player-pause",
    "plug",
    "plug-connected",
    "plus",
    "refresh",
    "robot",
    "search",
    "send",
    "settings",
    "sparkles",
    "sun",
    "trash",
    "upload",
    "user",
    "users",
    "video",
    "webhook",
    "x",
    "lock",
    "rocket",
    "chart-bar",
    "clock-pause",
    "mail",
    "world",
    "credit-card",
    "arrow-right",
    "alert-circle",
    "ban",
]


@dataclass
class Package:
    name: str
    version: str
    # path inside the tarball's `package/` -> path under the destination folder
    files: dict[str, str]
    dest: Path = STATIC
    folder: str = ""
    extras: list[str] = field(default_factory=list)


PACKAGES = [
    Package(
        "@tabler/core",
        "1.6.1",
        {"dist/css/tabler.min.css": "tabler.min.css", "dist/js/tabler.min.js": "tabler.min.js"},
        folder="tabler",
    ),
    Package("htmx.org", "2.0.11", {"dist/htmx.min.js": "htmx.min.js"}, folder="htmx"),
    Package("fullcalendar", "6.1.22", {"index.global.min.js": "index.global.min.js"}, folder="fullcalendar"),
    Package("sortablejs", "1.15.7", {"Sortable.min.js": "Sortable.min.js"}, folder="sortablejs"),
    Package("chart.js", "4.6.1", {"dist/chart.umd.min.js": "chart.umd.min.js"}, folder="chartjs"),
    Package(
        "tom-select",
        "2.6.2",
        {
            "dist/js/tom-select.complete.min.js": "tom-select.complete.min.js",
            "dist/css/tom-select.bootstrap5.min.css": "tom-select.bootstrap5.min.css",
        },
        folder="tom-select",
    ),
    Package("@tabler/icons", "3.52.0", {}, folder="tabler-icons"),
    # For the accessibility checks of the browser tests only; it is not served by the app.
    Package("axe-core", "4.14.1", {"axe.min.js": "axe.min.js"}, dest=TEST_VENDOR, folder="axe-core"),
]


def fetch_tarball(package: Package) -> tarfile.TarFile:
    with urllib.request.urlopen(f"{REGISTRY}/{package.name}/{package.version}", timeout=60) as response:  # noqa: S310 - https only
        meta = json.load(response)
    algorithm, _, digest = meta["dist"]["integrity"].partition("-")
    with urllib.request.urlopen(meta["dist"]["tarball"], timeout=120) as response:  # noqa: S310 - https only
        blob = response.read()
    if base64.b64encode(hashlib.new(algorithm, blob).digest()).decode() != digest:
        raise SystemExit(f"{package.name}@{package.version}: the tarball does not match the registry's integrity")
    return tarfile.open(fileobj=io.BytesIO(blob), mode="r:gz")


def read(archive: tarfile.TarFile, path: str) -> bytes:
    member = archive.extractfile(f"package/{path}")
    if member is None:
        raise SystemExit(f"missing package/{path}")
    return member.read()


def licence(archive: tarfile.TarFile, package: Package) -> bytes:
    """The package's licence file; a package that ships none (Tabler) keeps its licence banner, which names it."""
    for member in archive.getnames():
        if re.fullmatch(r"package/(licen[cs]e|copying)(\.md|\.txt)?", member, re.I):
            return read(archive, member.removeprefix("package/"))
    first = read(archive, next(iter(package.files))).decode()
    banner = re.search(r"/\*!(.*?)\*/", first, re.S)
    if banner is None:
        raise SystemExit(f"{package.name}: no licence file and no licence banner")
    return (banner.group(1).strip() + "\n").encode()


def icon_sprite(archive: tarfile.TarFile) -> bytes:
    """One SVG of <symbol>s, so a page names an icon with <use href="…#name"> and loads one small file."""
    symbols = []
    for name in sorted(set(ICONS)):
        svg = read(archive, f"icons/outline/{name}.svg").decode()
        body = re.search(r"<svg[^>]*>(.*)</svg>", svg, re.S)
        assert body, name
        inner = re.sub(r"\s+", " ", body.group(1)).strip()
        symbols.append(f'<symbol id="{name}" viewBox="0 0 24 24">{inner}</symbol>')
    return ('<svg xmlns="http://www.w3.org/2000/svg">' + "".join(symbols) + "</svg>\n").encode()


def main() -> None:
    lines = [
        "# Vendored front-end libraries",
        "",
        "Written by `scripts/vendor.py`; do not edit by hand.",
        "",
        "| package | version | licence | files |",
        "|---|---|---|---|",
    ]
    for package in PACKAGES:
        target = package.dest / package.folder
        shutil.rmtree(target, ignore_errors=True)
        target.mkdir(parents=True)
        archive = fetch_tarball(package)
        manifest = json.loads(read(archive, "package.json"))
        for source, name in package.files.items():
            (target / name).write_bytes(read(archive, source))
        if package.name == "@tabler/icons":
            (target / "sprite.svg").write_bytes(icon_sprite(archive))
        (target / "LICENSE").write_bytes(licence(archive, package))
        files = ", ".join(sorted(p.name for p in target.iterdir()))
        lines.append(f"| {package.name} | {package.version} | {manifest.get('license', '?')} | {files} |")
        print(f"{package.name}@{package.version} -> {target.relative_to(ROOT)}", file=sys.stderr)
    (STATIC / "VERSIONS.md").write_text("\n".join(lines) + "\n")


if __name__ == "__main__":
    main()

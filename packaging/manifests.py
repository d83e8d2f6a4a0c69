#!/usr/bin/env python3
"""Fill the Homebrew, Scoop and winget manifests of packaging/templates with
a release's download URLs and SHA-256 checksums.

    manifests.py --version V --base-url URL --checksums FILE --date YYYY-MM-DD --out DIR

URL is where the release's files are downloaded from (its folder, no
trailing slash); FILE is the release's sha256sum output. Writes
DIR/homebrew/sesame.rb, DIR/scoop/sesame.json and DIR/winget/*.yaml (the
version, installer and defaultLocale manifests). Fails when an archive a
manifest names is missing from FILE.
"""
import argparse
import json
import os
import re
import sys

HERE = os.path.dirname(os.path.abspath(__file__))
OUTPUTS = {
    "sesame.rb": "homebrew/sesame.rb",
    "sesame.json": "scoop/sesame.json",
    "SesameHQ.Sesame.yaml": "winget/SesameHQ.Sesame.yaml",
    "SesameHQ.Sesame.installer.yaml": "winget/SesameHQ.Sesame.installer.yaml",
    "SesameHQ.Sesame.locale.en-US.yaml": "winget/SesameHQ.Sesame.locale.en-US.yaml",
}


def values(version, base_url, checksums, date):
    sums = {}
    with open(checksums) as f:
        for line in f:
            digest, name = line.split()
            sums[name.lstrip("*")] = digest
    v = {"VERSION": version, "RELEASE_DATE": date}
    for platform in ["linux_amd64", "linux_arm64", "darwin_amd64", "darwin_arm64", "windows_amd64", "windows_arm64"]:
        ext = "zip" if platform.startswith("windows") else "tar.gz"
        name = f"sesame_{version}_{platform}.{ext}"
        if name not in sums:
            continue
        v["URL_" + platform] = f"{base_url.rstrip('/')}/{name}"
        v["SHA256_" + platform] = sums[name]
        v["SHA256UPPER_" + platform] = sums[name].upper()
    return v


def main():
    p = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    p.add_argument("--version", required=True)
    p.add_argument("--base-url", required=True)
    p.add_argument("--checksums", required=True)
    p.add_argument("--date", required=True)
    p.add_argument("--out", required=True)
    a = p.parse_args()
    v = values(a.version, a.base_url, a.checksums, a.date)
    for template, out in OUTPUTS.items():
        with open(os.path.join(HERE, "templates", template)) as f:
            text = f.read()
        missing = sorted({k for k in re.findall(r"\{\{(\w+)\}\}", text) if k not in v})
        if missing:
            sys.exit(f"manifests.py: {template}: no value for {', '.join(missing)} "
                     f"(is an archive missing from {a.checksums}? build every platform)")
        text = re.sub(r"\{\{(\w+)\}\}", lambda m: v[m.group(1)], text)
        if out.endswith(".json"):
            json.loads(text)  # the template must stay valid JSON
        path = os.path.join(a.out, out)
        os.makedirs(os.path.dirname(path), exist_ok=True)
        with open(path, "w") as f:
            f.write(text)
    print(f"manifests: {a.out}/{{homebrew,scoop,winget}}")


if __name__ == "__main__":
    main()

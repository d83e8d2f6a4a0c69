"""Print how botocore reads config/credentials file pairs.

Reads a JSON list of {"name", "config", "credentials"} paths on stdin and
prints a JSON object: name -> {"profiles": ..., "sso_sessions": ...} or
{"error": "<exception class>"}. Used by parity_test.go.
"""
import json
import os
import sys

import botocore.session

cases = json.load(sys.stdin)
out = {}
for case in cases:
    os.environ["AWS_CONFIG_FILE"] = case["config"]
    os.environ["AWS_SHARED_CREDENTIALS_FILE"] = case["credentials"]
    try:
        full = botocore.session.Session().full_config
        out[case["name"]] = {
            "profiles": full.get("profiles", {}),
            "sso_sessions": full.get("sso_sessions", {}),
        }
    except Exception as e:  # noqa: BLE001 - any refusal counts
        out[case["name"]] = {"error": type(e).__name__}
print(json.dumps(out))

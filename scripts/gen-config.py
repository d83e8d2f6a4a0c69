"""Write a config with N profiles for benchmarks: a mix of key, role-chain, SSO
and process profiles, deterministic for a given N."""
import sys

n, path = int(sys.argv[1]), sys.argv[2]
out = ["[default]", "region = us-east-1", "", "[sso-session corp]",
       "sso_start_url = https://corp.awsapps.com/start", "sso_region = eu-west-1", ""]
for i in range(n):
    out.append(f"[profile p{i:05d}]")
    kind = i % 4
    if kind == 0:
        out.append("region = eu-west-1")
    elif kind == 1:
        out.append(f"role_arn = arn:aws:iam::{100000000000 + i}:role/admin")
        out.append(f"source_profile = p{i - 1:05d}")
        out.append("mfa_serial = arn:aws:iam::123456789012:mfa/me")
    elif kind == 2:
        out.append("sso_session = corp")
        out.append(f"sso_account_id = {100000000000 + i}")
        out.append("sso_role_name = Developer")
        out.append("region = eu-west-2")
    else:
        out.append(f"role_arn = arn:aws:iam::{100000000000 + i}:role/chained")
        out.append(f"source_profile = p{i - 2:05d}")
        out.append("duration_seconds = 3600")
    out.append("")
with open(path, "w") as f:
    f.write("\n".join(out))

"""Write a config whose N profiles form one chain N deep, for the benchmarks
of deep chains: each profile names the one before it with KEY
(include_profile or source_profile; for source_profile each is a role).
Usage: gen-chain.py N KEY PATH"""
import sys

n, key, path = int(sys.argv[1]), sys.argv[2], sys.argv[3]
name = lambda i: f"p{n - 1 - i:05d}"
out = [f"[profile {name(0)}]", "region = eu-west-1", ""]
for i in range(1, n):
    out.append(f"[profile {name(i)}]")
    if key == "source_profile":
        out.append(f"role_arn = arn:aws:iam::123456789012:role/r{i}")
    out.append(f"{key} = {name(i - 1)}")
    out.append("")
with open(path, "w") as f:
    f.write("\n".join(out))

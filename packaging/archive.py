#!/usr/bin/env python3
"""Write a release archive that is the same, byte for byte, on every run.

    archive.py OUT.tar.gz|OUT.zip EPOCH ARCNAME=SRC[:MODE] ...

Entries are sorted by name, carry the modification time EPOCH (the commit
time), owner root (uid and gid 0) and the mode given (default 0644); the
folders they sit in get entries of their own (mode 0755). The gzip header
holds no file name and the same time. Nothing of the build machine (paths,
users, clock) reaches the archive.
"""
import gzip
import io
import os
import sys
import tarfile
import time
import zipfile


def parse(specs):
    files = {}
    for spec in specs:
        name, _, src = spec.partition("=")
        mode = 0o644
        if ":" in src:
            src, _, m = src.rpartition(":")
            mode = int(m, 8)
        if not name or not src:
            sys.exit(f"archive.py: bad entry {spec!r}: want ARCNAME=SRC[:MODE]")
        with open(src, "rb") as f:
            files[name] = (f.read(), mode)
    dirs = set()
    for name in files:
        parts = name.split("/")[:-1]
        for i in range(1, len(parts) + 1):
            dirs.add("/".join(parts[:i]) + "/")
    return files, sorted(dirs)


def write_tar_gz(out, epoch, files, dirs):
    buf = io.BytesIO()
    with tarfile.open(fileobj=buf, mode="w", format=tarfile.USTAR_FORMAT) as tar:
        entries = [(d, None, 0o755) for d in dirs] + [(n, data, mode) for n, (data, mode) in files.items()]
        for name, data, mode in sorted(entries, key=lambda e: e[0]):
            info = tarfile.TarInfo(name.rstrip("/") if data is None else name)
            info.type = tarfile.DIRTYPE if data is None else tarfile.REGTYPE
            info.mode = mode
            info.mtime = epoch
            info.uid = info.gid = 0
            info.uname = info.gname = "root"
            info.size = 0 if data is None else len(data)
            tar.addfile(info, None if data is None else io.BytesIO(data))
    with open(out, "wb") as f:
        with gzip.GzipFile(filename="", mode="wb", fileobj=f, compresslevel=9, mtime=epoch) as gz:
            gz.write(buf.getvalue())


def write_zip(out, epoch, files, dirs):
    date_time = time.gmtime(max(epoch, 315532800))[:6]  # zip times start in 1980
    with zipfile.ZipFile(out, "w") as z:
        entries = [(d, b"", 0o755 | 0o040000) for d in dirs] + [(n, data, mode | 0o100000) for n, (data, mode) in files.items()]
        for name, data, mode in sorted(entries, key=lambda e: e[0]):
            info = zipfile.ZipInfo(name, date_time=date_time)
            info.create_system = 3  # unix: the modes below count
            info.external_attr = mode << 16
            if name.endswith("/"):
                info.external_attr |= 0x10  # MS-DOS directory flag
                z.writestr(info, b"")
            else:
                info.compress_type = zipfile.ZIP_DEFLATED
                z.writestr(info, data, compresslevel=9)


def main(argv):
    if len(argv) < 3:
        sys.exit(__doc__)
    out, epoch, specs = argv[0], int(argv[1]), argv[2:]
    files, dirs = parse(specs)
    tmp = out + ".tmp"
    if out.endswith(".tar.gz"):
        write_tar_gz(tmp, epoch, files, dirs)
    elif out.endswith(".zip"):
        write_zip(tmp, epoch, files, dirs)
    else:
        sys.exit(f"archive.py: {out}: want a .tar.gz or .zip name")
    os.replace(tmp, out)


if __name__ == "__main__":
    main(sys.argv[1:])

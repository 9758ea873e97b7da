"""Fetch files from a list of mirrors, verifying each against its md5 checksum.

``urllib.request`` (with ``http.client``: about 20 ms) is imported when a download
starts, not with the library.
"""
import hashlib
from pathlib import Path

__all__ = ["download_verified", "md5_of"]


def md5_of(path):
    digest = hashlib.md5()
    with open(path, "rb") as f:
        for block in iter(lambda: f.read(1 << 20), b""):
            digest.update(block)
    return digest.hexdigest()


def _fetch(url, dest, timeout):
    import urllib.request
    partial = dest.with_name(dest.name + ".part")
    try:
        with urllib.request.urlopen(url, timeout=timeout) as response, open(partial, "wb") as out:
            for block in iter(lambda: response.read(1 << 20), b""):
                out.write(block)
        partial.replace(dest)
    finally:
        partial.unlink(missing_ok=True)


def download_verified(filename, md5, mirrors, folder, timeout):
    """Download ``filename`` into ``folder`` from the first mirror that serves it with checksum ``md5``.

    Raises RuntimeError listing what went wrong at every mirror (offline, HTTP error, bad checksum).
    """
    folder = Path(folder)
    folder.mkdir(parents=True, exist_ok=True)
    dest = folder / filename
    failures = []
    for mirror in mirrors:
        url = mirror + filename
        try:
            _fetch(url, dest, timeout)
        except (OSError, ValueError) as exc:  # urllib's URLError and HTTPError are OSErrors
            failures.append(f"{url}: {getattr(exc, 'reason', exc)}")
            continue
        got = md5_of(dest)
        if got == md5:
            return dest
        dest.unlink()
        failures.append(f"{url}: md5 checksum {got} does not match the expected {md5}")
    raise RuntimeError(f"could not download {filename} ({'; '.join(failures)}). If this machine is offline, "
                       f"fetch the file elsewhere and copy it into {folder}")

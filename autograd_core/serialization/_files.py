"""What every format shares: atomic writes beside the target, stale temporary files, checked zip members.

Saving to a path is atomic: the data is written to a hidden temporary file
beside the target, flushed and fsynced, then moved over the target with
``os.replace``. A symlink stays a link: its target gets the data. The file keeps
an existing file's mode; a new one gets the umask's, as ``open()`` would give it.
A temporary file is named after the host and process writing it, so that the next
save or load of the path deletes those whose process died (``kill -9``).
"""
import contextlib
import contextvars
import errno
import io
import os
import re
import secrets
import socket
import stat
import zipfile

import numpy as np

from ..arrays import to_device


class LoadError(ValueError):
    """``load`` met a file it cannot read: truncated, corrupt, crafted, or in no format it knows."""


def write_atomically(f, write):
    """Call ``write(stream)`` on ``f``: a binary file object as it is, or a path through a temporary file."""
    if hasattr(f, "write"):
        write(f)
        return
    path = os.path.realpath(os.fsdecode(f))
    _remove_stale_temps(path)
    mode = _existing_mode(path)
    fd, tmp = _temp_file(path)
    try:
        with os.fdopen(fd, "wb") as stream:
            if mode is not None:
                os.chmod(tmp, mode)
            write(stream)
            stream.flush()
            os.fsync(stream.fileno())
        os.replace(tmp, path)
    except BaseException:
        try:
            os.unlink(tmp)
        except FileNotFoundError:
            pass
        raise
    _fsync_directory(os.path.dirname(path))


@contextlib.contextmanager
def opened_for_load(f):
    """``(seekable binary stream, name for messages)`` of a path or a readable file object.

    Opening a path also deletes the temporary files that saves to it left behind when killed mid-write.
    """
    if hasattr(f, "read"):
        name = repr(getattr(f, "name", "<file object>"))
        seekable = getattr(f, "seekable", lambda: False)()
        yield (f if seekable else io.BytesIO(f.read())), name
        return
    _remove_stale_temps(os.path.realpath(os.fsdecode(f)))
    with open(f, "rb") as stream:
        yield stream, repr(os.fspath(f))


def stream_size(stream):
    """The number of bytes from the stream's position to its end (the position is kept)."""
    start = stream.tell()
    end = stream.seek(0, os.SEEK_END)
    stream.seek(start)
    return end - start


def _fsync_directory(directory):
    try:
        fd = os.open(directory, os.O_RDONLY)
    except OSError:  # not possible on every platform; the data itself is already synced
        return
    try:
        os.fsync(fd)
    except OSError:
        pass
    finally:
        os.close(fd)


def _temp_prefix(path):
    """How the names of ``path``'s temporary files start: hidden, the file's name and this host (both shortened)."""
    return f".{os.path.basename(path)[:120]}.{socket.gethostname()[:64]}."


def _temp_file(path):
    """A new temporary file beside ``path``, ``(fd, name)``, named after this process.

    It is created as ``open()`` creates a file (mode 0o666 less the umask), unlike mkstemp's 0o600.
    """
    prefix = os.path.join(os.path.dirname(path), f"{_temp_prefix(path)}{os.getpid()}.")
    flags = os.O_WRONLY | os.O_CREAT | os.O_EXCL | getattr(os, "O_BINARY", 0) | getattr(os, "O_CLOEXEC", 0)
    while True:
        name = f"{prefix}{secrets.token_hex(4)}.tmp"
        try:
            return os.open(name, flags, 0o666), name
        except FileExistsError:
            continue


def _process_exists(pid):
    """Whether process ``pid`` of this host is alive."""
    try:
        os.kill(pid, 0)  # signal 0: only checks that the process exists
    except ProcessLookupError:
        return False
    except PermissionError:  # another user's process
        return True
    return True


_TEMP_SUFFIX = re.compile(r"([1-9][0-9]{0,9})\.[0-9a-f]{8}\.tmp")  # pid, random part


def _remove_stale_temps(path):
    """Delete the temporary files of ``path`` that saves by dead processes of this host left (killed mid-save)."""
    if os.name != "posix":  # os.kill(pid, 0) would terminate the process on Windows
        return
    prefix, directory = _temp_prefix(path), os.path.dirname(path)
    try:
        names = os.listdir(directory)
    except OSError:
        return
    for name in names:
        found = name.startswith(prefix) and _TEMP_SUFFIX.fullmatch(name, len(prefix))
        if found and not _process_exists(int(found.group(1))):
            try:
                os.unlink(os.path.join(directory, name))
            except OSError:  # removed by another process meanwhile, or a read-only directory
                pass


def _existing_mode(path):
    """The permission bits of the file at ``path`` (None when there is none); refused as open() would refuse it."""
    try:
        mode = stat.S_IMODE(os.stat(path).st_mode)
    except FileNotFoundError:
        return None
    if not os.access(path, os.W_OK):
        raise PermissionError(errno.EACCES, os.strerror(errno.EACCES), path)
    return mode


# ----- reading zip archives that may be damaged or crafted -----
ZIP_ERRORS = (zipfile.BadZipFile, EOFError, OSError, ValueError)  # what reading a damaged member raises
_REFUSED_FLAGS = 0x1 | 0x20 | 0x40  # zip flag bits: encrypted, compressed patched data, strong encryption
_READ_CHUNK = 1 << 24  # bytes of array data read at once


def read_into(f, flat):
    """Fill the 1-d array ``flat`` from ``f``, a chunk at a time (a large array is never held twice)."""
    view = memoryview(flat.view(np.uint8))  # bytes of any dtype (bfloat16 has no buffer format)
    for start in range(0, len(view), _READ_CHUNK):
        chunk = view[start:start + _READ_CHUNK]
        if f.readinto(chunk) != len(chunk):
            raise EOFError("the array data ends early")
    return flat


class CheckedZip:
    """The members of a zip archive, each checked before it is read: stored (never inflated), inside the file."""

    def __init__(self, archive, name, end, writer):
        # end: the stream position where the file ends; writer: who writes such files, for messages
        self.archive, self.name, self.end, self.writer = archive, name, end, writer

    def error(self, what):
        return LoadError(f"load: {self.name} is corrupt: {what}")

    def member(self, member):
        """The zip entry of ``member`` (None when absent), checked to be stored uncompressed inside the file."""
        info = self.archive.NameToInfo.get(member)
        if info is None:
            return None
        if info.flag_bits & _REFUSED_FLAGS:
            raise self.error(f"{member} is encrypted or patched ({self.writer} writes neither)")
        if info.compress_type != zipfile.ZIP_STORED:
            raise self.error(f"{member} is compressed (zip method {info.compress_type}); {self.writer} stores "
                             "members uncompressed, and compressed ones are refused (a zip bomb inflates without "
                             "bound)")
        if (info.compress_size != info.file_size or info.header_offset < 0
                or info.header_offset + info.file_size > self.end):
            raise self.error(f"{member} declares {info.file_size} bytes, past the end of the file")
        return info

    def read(self, member):
        """The bytes of ``member`` (None when absent); reading to the end checks the member's CRC."""
        info = self.member(member)
        if info is None:
            return None
        try:
            with self.archive.open(info) as f:
                return f.read()
        except ZIP_ERRORS as exc:
            raise self.error(f"unreadable {member} ({exc})") from None


_PLACEMENT = contextvars.ContextVar("placement", default=None)


@contextlib.contextmanager
def placement(place):
    """While loading, ``place(saved_device)`` gives the device each loaded tensor goes to (``load``'s
    ``map_location``)."""
    token = _PLACEMENT.set(place)
    try:
        yield
    finally:
        _PLACEMENT.reset(token)


def placed(array, saved_device="cpu"):
    """``array`` on the device the current ``placement`` gives for a tensor saved on ``saved_device``."""
    place = _PLACEMENT.get()
    return array if place is None else to_device(array, place(saved_device))


def loaded_tensor(array, is_parameter, requires_grad, reader, saved_device="cpu"):
    """The tensor (or nn.Parameter) a file describes, holding ``array`` (placed as ``placement`` says for a tensor
    saved on ``saved_device``); ``reader.error`` words a bad flag."""
    from ..tensor import _new
    t = _new(placed(array, saved_device))
    if requires_grad and not t.dtype.is_floating_point:
        raise reader.error(f"a {t.dtype} tensor is marked requires_grad (only floating point tensors can be)")
    if is_parameter:
        from nn.parameter import Parameter
        return Parameter(t, requires_grad=requires_grad)
    if requires_grad:
        t.requires_grad = True
    return t

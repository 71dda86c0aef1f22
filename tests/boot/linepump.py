"""Starting QEMU and reading its pipes line by line, shared by the boot
runner (tests/boot/boot.py) and the xl lab (tests/xl/lab.py)."""
import os
import selectors
import subprocess

MAX_LINE = 65536


def pump(sel, bufs, handle, timeout):
    """Read whatever the pipes registered with selector `sel` offer within
    `timeout` seconds. `bufs` maps each pipe's selector data (its name) to
    the bytes of its unfinished line. `handle(name, raw_line)` is called
    for each complete line, and for a runaway line that passes MAX_LINE
    bytes without a newline. Returns how many pipes reached end of file
    (they are unregistered)."""
    closed = 0
    for key, _ in sel.select(timeout=timeout):
        name = key.data
        try:
            chunk = os.read(key.fileobj.fileno(), 65536)
        except BlockingIOError:
            continue
        if not chunk:
            sel.unregister(key.fileobj)
            closed += 1
            continue
        data = bufs[name] + chunk
        *lines, bufs[name] = data.split(b"\n")
        for raw in lines:
            handle(name, raw)
        if len(bufs[name]) > MAX_LINE:
            handle(name, bufs[name])
            bufs[name] = b""
    return closed


def spawn(cmd):
    """Start cmd in a session of its own (so its whole group can be
    killed) with stdout and stderr as non-blocking pipes registered with a
    new selector under the names "out" and "err". Returns (proc, sel,
    bufs), ready for pump()."""
    proc = subprocess.Popen(cmd, stdin=subprocess.DEVNULL, stdout=subprocess.PIPE,
                            stderr=subprocess.PIPE, start_new_session=True)
    sel = selectors.DefaultSelector()
    bufs = {}
    for name, pipe in (("out", proc.stdout), ("err", proc.stderr)):
        os.set_blocking(pipe.fileno(), False)
        sel.register(pipe, selectors.EVENT_READ, name)
        bufs[name] = b""
    return proc, sel, bufs

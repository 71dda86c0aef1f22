"""Line-splitting reader for the runners' child-process pipes (QEMU's
console and stderr), shared by tests/boot/boot.py and tests/xl/lab.py."""
import os

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

#!/usr/bin/python3
"""The ACPI power button and the libvirt life cycle of a Xenolith domain.

    virsh_test.py --image IMAGE --objtree DIR [--echo]

0. the package's three libvirt examples (QEMU, Xen PV, Xen PVH) validate
   against libvirt's domain schema (virt-xml-validate).
1. power button, plain QEMU: the image boots natively (QEMU's pc machine,
   direct kernel boot), QEMU's monitor sends system_powerdown (the ACPI
   power button); the kernel must log the press and power the machine off
   by itself within a few seconds (QEMU exits).
2. libvirt (Debian's libvirtd and virsh, qemu:///system; the test starts
   virtlogd and libvirtd when they are not running, and stops what it
   started): the domain XML is the package's example
   (scripts/package/examples/libvirt-qemu.xml) with the image's path and
   a log file for the serial console; then
     virsh define; start (the console log reaches "xenolith: ready");
     console (a pty: the monitor prompt, the "info" command's answer,
     Ctrl-] to leave); reboot (libvirt presses the ACPI button and resets
     the machine when the guest powers off: a second boot); shutdown (the
     button again; the domain ends "shut off (shutdown)": the guest
     powered off, libvirt did not kill it); start, destroy ("shut off
     (destroyed)"); undefine (the domain is gone).
Prints one line per step and "N passed, N failed"; exit status 0 only
when all passed.
"""
import argparse
import os
import pty
import re
import select
import shutil
import signal
import socket
import subprocess
import sys
import tempfile
import time

HERE = os.path.dirname(os.path.abspath(__file__))
SRCTREE = os.path.dirname(os.path.dirname(HERE))
EXAMPLE = os.path.join(SRCTREE, "scripts", "package", "examples", "libvirt-qemu.xml")
URI = "qemu:///system"
# Images libvirt's QEMU user can read whatever the checkout's parents allow.
IMAGE_DIR = "/var/lib/libvirt/xenolith-test"
SERIAL_LOG_DIR = "/var/log/libvirt/qemu"
QEMU = os.environ.get("QEMU", "qemu-system-x86_64")


class Steps:
    def __init__(self):
        self.passed = self.failed = 0

    def check(self, ok, what, detail=""):
        print("virsh-test: %s  %s%s" % ("PASS" if ok else "FAIL", what,
                                        (": " + detail) if detail else ""), flush=True)
        if ok:
            self.passed += 1
        else:
            self.failed += 1
        return ok


def wait_for(pred, timeout, step=0.3):
    t0 = time.monotonic()
    while time.monotonic() - t0 < timeout:
        v = pred()
        if v:
            return v
        time.sleep(step)
    return pred()


def read(path):
    try:
        with open(path, errors="replace") as f:
            return f.read()
    except OSError:
        return ""


# ------------------------------------------------------------ schema
def validate_examples(workdir, st):
    exdir = os.path.dirname(EXAMPLE)
    for fn in sorted(os.listdir(exdir)):
        if not fn.endswith(".xml"):
            continue
        with open(os.path.join(exdir, fn)) as f:
            xml = f.read().replace("@VERSION@", "0.1")
        path = os.path.join(workdir, fn)
        with open(path, "w") as f:
            f.write(xml)
        r = subprocess.run(["virt-xml-validate", path, "domain"], stdin=subprocess.DEVNULL,
                           stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True)
        st.check(r.returncode == 0, "example %s: libvirt's domain schema" % fn,
                 r.stdout.strip().splitlines()[-1] if r.stdout.strip() else "")


# ------------------------------------------------------------ plain QEMU
def power_button_qemu(image, workdir, st, echo):
    log = os.path.join(workdir, "powerbutton-serial.log")
    mon = os.path.join(workdir, "powerbutton-monitor.sock")
    for p in (log, mon):
        if os.path.exists(p):
            os.unlink(p)
    cmd = [QEMU, "-display", "none", "-vga", "none", "-nic", "none", "-no-reboot",
           "-serial", "file:" + log, "-monitor", "unix:%s,server,nowait" % mon,
           "-machine", "pc", "-cpu", "max", "-m", "256", "-smp", "2", "-kernel", image]
    proc = subprocess.Popen(cmd, stdin=subprocess.DEVNULL, stdout=subprocess.DEVNULL,
                            stderr=subprocess.DEVNULL)
    try:
        ready = wait_for(lambda: "xenolith: ready" in read(log) and os.path.exists(mon), 90)
        st.check(ready, "power button (QEMU): booted to the monitor")
        if not ready:
            return
        s = socket.socket(socket.AF_UNIX)
        s.connect(mon)
        s.settimeout(5)
        s.recv(4096)
        t0 = time.monotonic()
        s.sendall(b"system_powerdown\n")
        try:
            rc = proc.wait(60)
        except subprocess.TimeoutExpired:
            rc = None
        took = time.monotonic() - t0
        s.close()
        text = read(log)
        st.check("acpi: power button on SCI" in text, "power button (QEMU): SCI set up",
                 next((l for l in text.splitlines() if "power button on SCI" in l), ""))
        st.check(rc is not None and "acpi: power button pressed: powering off" in text
                 and "acpi: entering S5" in text,
                 "power button (QEMU): system_powerdown -> orderly power-off",
                 "QEMU exited %s %.0f ms after the button" % (rc, took * 1000) if rc is not None
                 else "QEMU still running after 60 s")
    finally:
        if proc.poll() is None:
            proc.kill()
            proc.wait()
        if echo:
            sys.stdout.write(read(log))


# ------------------------------------------------------------ libvirt
def virsh(*args, timeout=60):
    r = subprocess.run(["virsh", "-c", URI] + list(args), stdin=subprocess.DEVNULL,
                       stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True,
                       timeout=timeout)
    return r.returncode, r.stdout.strip()


class Daemons:
    """virtlogd and libvirtd, started here if not already running."""

    def __init__(self, workdir):
        self.workdir = workdir
        self.started = []

    def _running(self, sock):
        return os.path.exists(sock)

    def start(self):
        for name, sock in (("virtlogd", "/run/libvirt/virtlogd-sock"),
                           ("libvirtd", "/run/libvirt/libvirt-sock")):
            if self._running(sock) and virsh_ok(name):
                continue
            pidfile = os.path.join(self.workdir, name + ".pid")
            if os.path.exists(pidfile):
                os.unlink(pidfile)
            exe = shutil.which(name) or "/usr/sbin/" + name
            r = subprocess.run([exe, "--daemon", "--pid-file", pidfile],
                               stdin=subprocess.DEVNULL, stdout=subprocess.PIPE,
                               stderr=subprocess.STDOUT, text=True)
            if r.returncode != 0:
                raise RuntimeError("%s failed to start: %s" % (name, r.stdout))
            if not wait_for(lambda: os.path.exists(pidfile) and os.path.exists(sock), 30):
                raise RuntimeError("%s did not come up (no %s)" % (name, sock))
            self.started.append((name, int(read(pidfile).strip())))

    def stop(self):
        for name, pid in reversed(self.started):
            try:
                os.kill(pid, signal.SIGTERM)
            except ProcessLookupError:
                continue
            wait_for(lambda: not os.path.exists("/proc/%d" % pid), 15)


def virsh_ok(name):
    if name != "libvirtd":
        return True
    try:
        return virsh("version", timeout=20)[0] == 0
    except subprocess.TimeoutExpired:
        return False


def domain_xml(name, kernel, serial_log):
    with open(EXAMPLE) as f:
        xml = f.read()
    xml = xml.replace("<name>xenolith</name>", "<name>%s</name>" % name)
    xml = re.sub(r"<kernel>[^<]*</kernel>", "<kernel>%s</kernel>" % kernel, xml)
    # The console's output also to a file the test reads.
    xml = xml.replace("<serial type='pty'>\n      <target port='0'/>",
                      "<serial type='pty'>\n      <log file='%s' append='on'/>\n"
                      "      <target port='0'/>" % serial_log)
    if serial_log not in xml:
        raise RuntimeError("cannot add a serial log to the example XML")
    return xml


def console_session(name, timeout=30):
    """virsh console in a pty: wait for the prompt, run info, leave with
    Ctrl-]. Returns (ok, transcript)."""
    pid, fd = pty.fork()
    if pid == 0:
        os.execvp("virsh", ["virsh", "-c", URI, "console", name, "--force"])
    out = b""
    ok = False
    t0 = time.monotonic()

    def until(pattern, limit):
        nonlocal out
        end = time.monotonic() + limit
        while time.monotonic() < end:
            if re.search(pattern, out):
                return True
            r, _, _ = select.select([fd], [], [], 0.3)
            if r:
                try:
                    out += os.read(fd, 4096)
                except OSError:
                    return bool(re.search(pattern, out))
        return bool(re.search(pattern, out))

    try:
        if until(rb"Escape character", 10):
            # virsh prints its banner before libvirt's console stream is
            # surely connected, and a key typed before then is lost (once,
            # the guest saw nothing for 30 s): press Enter again every 2 s
            # until the prompt shows.
            end = time.monotonic() + timeout
            prompt = False
            while not prompt and time.monotonic() < end:
                os.write(fd, b"\r")
                prompt = until(rb"xenolith> ", min(2, max(0, end - time.monotonic())))
            if prompt:
                os.write(fd, b"info\r")
                ok = until(rb"mode: native", timeout)
        os.write(fd, b"\x1d")
        until(rb"\$\$NEVER\$\$", 2)
    finally:
        try:
            os.kill(pid, signal.SIGTERM)
        except ProcessLookupError:
            pass
        os.waitpid(pid, 0)
        os.close(fd)
    return ok, out.decode(errors="replace"), time.monotonic() - t0


def libvirt_cycle(image, workdir, st):
    name = "xenolith-test-%d" % os.getpid()
    os.makedirs(IMAGE_DIR, exist_ok=True)
    os.chmod(IMAGE_DIR, 0o755)
    kernel = os.path.join(IMAGE_DIR, name)
    shutil.copyfile(image, kernel)
    os.chmod(kernel, 0o644)
    os.makedirs(SERIAL_LOG_DIR, exist_ok=True)
    serial_log = os.path.join(SERIAL_LOG_DIR, name + "-serial.log")
    if os.path.exists(serial_log):
        os.unlink(serial_log)
    xml_path = os.path.join(workdir, name + ".xml")
    with open(xml_path, "w") as f:
        f.write(domain_xml(name, kernel, serial_log))
    daemons = Daemons(workdir)
    defined = False
    try:
        daemons.start()
        rc, out = virsh("define", xml_path)
        defined = rc == 0
        st.check(defined, "virsh define (the package's libvirt-qemu.xml)", out.splitlines()[0]
                 if out else "")
        if not defined:
            return

        def boots():
            return read(serial_log).count("xenolith: ready")

        def state():
            return virsh("domstate", name, "--reason", timeout=20)[1]

        rc, out = virsh("start", name)
        st.check(rc == 0 and wait_for(lambda: boots() >= 1, 90) and
                 state().startswith("running"), "virsh start: boots to the monitor",
                 state())
        ok, transcript, secs = console_session(name)
        st.check(ok, "virsh console: the monitor answers 'info'",
                 "%.1f s" % secs if ok else repr(transcript[-300:]))

        rc, out = virsh("reboot", name)
        st.check(rc == 0 and wait_for(lambda: boots() >= 2, 90) and
                 read(serial_log).count("power button pressed") == 1 and
                 state().startswith("running"),
                 "virsh reboot: ACPI button, power-off, libvirt resets: a second boot",
                 "%d boots, state %s" % (boots(), state()))

        rc, out = virsh("shutdown", name)
        st.check(rc == 0 and wait_for(lambda: state().startswith("shut off"), 60) and
                 "shutdown" in state() and
                 read(serial_log).count("power button pressed") == 2,
                 "virsh shutdown: graceful (the guest powers off on the ACPI button)",
                 state())

        rc, out = virsh("start", name)
        started = rc == 0 and wait_for(lambda: boots() >= 3, 90)
        rc, out = virsh("destroy", name)
        st.check(started and rc == 0 and wait_for(lambda: state().startswith("shut off"), 30)
                 and "destroyed" in state(), "virsh start, destroy", state())

        rc, out = virsh("undefine", name)
        gone = virsh("dominfo", name)[0] != 0
        defined = not (rc == 0 and gone)
        st.check(rc == 0 and gone, "virsh undefine: the domain is gone")
    except (RuntimeError, subprocess.TimeoutExpired) as e:
        st.check(False, "libvirt", str(e))
    finally:
        if defined:
            virsh("destroy", name)
            virsh("undefine", name)
        shutil.copyfile(serial_log, os.path.join(workdir, "libvirt-serial.log")) \
            if os.path.exists(serial_log) else None
        for p in (kernel, serial_log):
            if os.path.exists(p):
                os.unlink(p)
        daemons.stop()


def main(argv=None):
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--image", required=True)
    ap.add_argument("--objtree", required=True)
    ap.add_argument("--echo", action="store_true")
    args = ap.parse_args(argv)
    st = Steps()
    workdir = os.path.join(os.path.abspath(args.objtree), "virsh-test")
    os.makedirs(workdir, exist_ok=True)
    t0 = time.monotonic()
    image = os.path.abspath(args.image)
    if os.geteuid() != 0:
        st.check(False, "setup", "needs root (libvirt's system daemon)")
    else:
        validate_examples(workdir, st)
        power_button_qemu(image, workdir, st, args.echo)
        libvirt_cycle(image, workdir, st)
    print("virsh-test: %.0f s in all; logs in %s" % (time.monotonic() - t0, workdir))
    print("%d passed, %d failed" % (st.passed, st.failed))
    return 0 if st.failed == 0 else 1


if __name__ == "__main__":
    sys.exit(main())

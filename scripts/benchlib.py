"""Helpers shared by the benchmark scripts: finding the release binaries, a sandbox in its own
process, percentiles. Timings are measured here and printed, never asserted."""
import os
import re
import subprocess
import sys
import time

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
# Where `swift build -c release` puts the binaries; MINIMO_SCRATCH_PATH names another build folder.
SCRATCH = os.environ.get("MINIMO_SCRATCH_PATH", os.path.join(ROOT, ".build"))
# MINIMO_BIN_DIR points at other binaries (a debug build, to try the scripts out).
BIN = os.environ.get("MINIMO_BIN_DIR", os.path.join(SCRATCH, "release"))
KEY = "mn-bench-0123456789abcdef"


def build_release(skip):
    if skip:
        return
    print("building release binaries (swift build -c release) ...", file=sys.stderr, flush=True)
    subprocess.run(["swift", "build", "-c", "release", "--scratch-path", SCRATCH], cwd=ROOT, check=True,
                   stdout=sys.stderr)


def ensure_python_packages(*names):
    """pip-installs what is missing (PyPI is reachable on our machines and in CI)."""
    import importlib
    missing = []
    for name in names:
        try:
            importlib.import_module(name)
        except ImportError:
            missing.append(name)
    if missing:
        subprocess.run([sys.executable, "-m", "pip", "install", "--quiet", *missing], check=True, stdout=sys.stderr)


class Sandbox:
    """`minimo sandbox` (release) on a free loopback port, in its own process."""

    def __init__(self, seed=50, rate_limit="1000000/1s"):
        self.process = subprocess.Popen(
            [os.path.join(BIN, "minimo"), "sandbox", "--port", "0", "--seed", str(seed), "--rate-limit", rate_limit,
             "--api-key", KEY],
            stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True)
        self.url = None
        deadline = time.time() + 300
        while time.time() < deadline:
            line = self.process.stdout.readline()
            if not line:
                raise RuntimeError("the sandbox exited before listening")
            match = re.search(r"listening on (http://\S+)", line)
            if match:
                self.url = match.group(1)
                break
        if not self.url:
            raise RuntimeError("the sandbox did not start")

    def stop(self):
        self.process.terminate()
        try:
            self.process.wait(timeout=10)
        except subprocess.TimeoutExpired:
            self.process.kill()

    def __enter__(self):
        return self

    def __exit__(self, *exc):
        self.stop()


def percentile(values, p):
    ordered = sorted(values)
    if not ordered:
        return 0.0
    return ordered[min(len(ordered) - 1, int(round((len(ordered) - 1) * p)))]


def machine():
    model = "unknown CPU"
    try:
        with open("/proc/cpuinfo") as info:
            for line in info:
                if line.startswith("model name"):
                    model = line.split(":", 1)[1].strip()
                    break
    except OSError:
        pass
    swift = subprocess.run(["swift", "--version"], capture_output=True, text=True).stdout.splitlines()
    return f"{model}, {os.cpu_count()} cores, {os.uname().sysname} {os.uname().release}, " + (swift[0] if swift else "swift ?")

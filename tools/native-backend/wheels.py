"""What install.sh takes from TensorFlow's wheels on PyPI, without installing them into any Python.

  wheels.py tensorflow WHEEL OUT   the TensorFlow C library and its C API headers, into OUT
  wheels.py cuda WHEEL OUT         an nvidia-* CUDA wheel's shared libraries, into OUT/nvidia/<name>/lib
  wheels.py cuda-pins WHEEL        the nvidia-* wheels a tensorflow wheel asks for in its `and-cuda`
                                   extra, one a line as name==version: each at the lowest version
                                   it allows (what that TensorFlow was built against), so an install
                                   is the same today and next year

OUT mirrors a pip install's site-packages (OUT/tensorflow next to OUT/nvidia) for the GPU build, so
the library finds the CUDA libraries where TensorFlow's own wheel expects them.
"""
import fnmatch
import os
import re
import shutil
import sys
import zipfile

TENSORFLOW_MEMBERS = [
    "tensorflow/libtensorflow_cc.so.2",
    "tensorflow/libtensorflow_framework.so.2",
    # The C API headers and the few headers outside tensorflow/c that they include.
    "tensorflow/include/tensorflow/c/*",
    "tensorflow/include/tensorflow/core/platform/ctstring*",
    "tensorflow/include/tsl/platform/ctstring*",
    "tensorflow/include/xla/tsl/c/*",
]


def extract(wheel, out, wanted, strip=""):
    """Members of `wheel` matching `wanted`, written under `out` without the `strip` prefix; their count."""
    count = 0
    with zipfile.ZipFile(wheel) as z:
        for name in z.namelist():
            if name.endswith("/") or not any(fnmatch.fnmatch(name, p) for p in wanted):
                continue
            target = os.path.join(out, name[len(strip):])
            os.makedirs(os.path.dirname(target), exist_ok=True)
            with z.open(name) as src, open(target, "wb") as dst:
                shutil.copyfileobj(src, dst)
            count += 1
    return count


def cuda_pins(wheel):
    """The `and-cuda` requirements of a tensorflow wheel's METADATA, each as name==lowest version."""
    with zipfile.ZipFile(wheel) as z:
        metadata = next(n for n in z.namelist() if re.fullmatch(r"[^/]+\.dist-info/METADATA", n))
        text = z.read(metadata).decode("utf-8")
    pins = []
    for line in text.splitlines():
        # e.g. `Requires-Dist: nvidia-cudnn-cu12<10.0,>=9.3.0.75; extra == "and-cuda"`
        m = re.fullmatch(r"Requires-Dist: (nvidia-[A-Za-z0-9_.-]+)\s*\(?([^;]*?)\)?\s*;\s*extra\s*==\s*['\"]and-cuda['\"]\s*", line)
        if not m:
            continue
        lowest = re.search(r"(?:>=|==)\s*([0-9][A-Za-z0-9.]*)", m.group(2))
        if not lowest:
            sys.exit(f"{wheel}: no lowest version in '{line}'")
        pins.append(f"{m.group(1)}=={lowest.group(1)}")
    return pins


def main(argv):
    if len(argv) == 3 and argv[0] == "tensorflow":
        # Flat: OUT/libtensorflow_cc.so.2, OUT/include/... (the layout install.sh links into tfjs-node).
        if extract(argv[1], argv[2], TENSORFLOW_MEMBERS, strip="tensorflow/") == 0:
            sys.exit(f"{argv[1]} holds no TensorFlow C library")
    elif len(argv) == 3 and argv[0] == "cuda":
        if extract(argv[1], argv[2], ["nvidia/*/lib/*.so*"]) == 0:
            sys.exit(f"{argv[1]} holds no nvidia/*/lib shared library")
    elif len(argv) == 2 and argv[0] == "cuda-pins":
        print("\n".join(cuda_pins(argv[1])))
    else:
        sys.exit(__doc__)


if __name__ == "__main__":
    main(sys.argv[1:])

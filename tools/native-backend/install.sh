#!/usr/bin/env bash
# Installs mlspec's optional native TensorFlow backend, @tensorflow/tfjs-node (or with --gpu
# @tensorflow/tfjs-node-gpu), on machines that reach only the npm registry and PyPI. tfjs-node's own install step downloads libtensorflow and a
# prebuilt addon from Google's storage host; this script does neither:
#
#   1. the TensorFlow C library comes from TensorFlow's CPU wheel on PyPI (libtensorflow_cc.so.2
#      and libtensorflow_framework.so.2 export the C API tfjs-node binds to): reused from a Python
#      that has tensorflow-cpu installed, else only those files are unpacked from the wheel into a
#      cache, without installing TensorFlow into any Python environment;
#   2. @tensorflow/tfjs-node is installed from npm with its install script off, not saved to
#      package.json (so `npm ci` removes it again: rerun this script after it);
#   3. its addon is compiled against the local Node headers and linked to that library;
#   4. the result is checked: the tensorflow backend starts and multiplies two matrices;
#   5. mlspec's fused recurrent kernels are compiled for this CPU (tools/native-kernels/build.sh):
#      on the tensorflow backend the recurrent layers run on them.
#
# --gpu does the same from the GPU build of TensorFlow (the `tensorflow` wheel) and the nvidia-*
# CUDA wheels its `and-cuda` extra pins (CUDA 12, cuDNN 9: see README "GPU backend"), unpacked
# side by side as pip would (tensorflow/ next to nvidia/), into @tensorflow/tfjs-node-gpu. It
# refuses at once on a machine without an NVIDIA GPU, and its check fails unless TensorFlow
# starts on a GPU device.
#
# Usage: npm run install:native [-- [--python PATH] [--wheel FILE] [--force] [--project DIR]]
#    or: mlspec install-backend native [...the same options] (from an installed mlspec too)
#   --python PATH  Python whose pip fetches the wheel, or whose tensorflow-cpu is reused
#                  (default: .venv/bin/python, else python3)
#   --wheel FILE   a downloaded tensorflow_cpu-<version>-*.whl to unpack (instead of fetching
#                  one or reusing an installed tensorflow-cpu)
#   --force        unpack the library again and rebuild the addon even when they look complete
#   --gpu          the GPU backend (tfjs-node-gpu) instead of the CPU one
#   --cuda-wheels DIR  with --gpu: a folder holding the nvidia-* wheels already downloaded
#   --project DIR  the project whose node_modules holds mlspec's @tensorflow/tfjs-core, where
#                  tfjs-node is installed (default: this package's folder, i.e. a clone of mlspec;
#                  `mlspec install-backend` passes the project an installed mlspec belongs to)
# Environment: MLSPEC_NATIVE_CACHE (default ~/.cache/mlspec) holds the unpacked library.
# Idempotent: a complete install is only re-checked.
set -euo pipefail
# mlspec's own folder (a clone, or node_modules/mlspec): the kernel build and its output live here.
root="$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)"

TF_VERSION=2.21.0
# The wheel pinned exactly (any CPython's wheel carries the same C library, so the tag is fixed
# and the result does not depend on which Python runs pip).
WHEEL_PYTHON=3.11
WHEEL_PLATFORM=manylinux_2_27_x86_64

die() {
  echo "install-native: error: $*" >&2
  exit 1
}
say() { echo "install-native: $*"; }

python=""
wheel=""
force=0
project=$root
gpu=0
cuda_wheels=""
while [ $# -gt 0 ]; do
  case "$1" in
    --python) [ $# -ge 2 ] || die "--python needs a path"; python=$2; shift 2 ;;
    --wheel) [ $# -ge 2 ] || die "--wheel needs a file"; wheel=$2; shift 2 ;;
    --force) force=1; shift ;;
    --gpu) gpu=1; shift ;;
    --cuda-wheels) [ $# -ge 2 ] || die "--cuda-wheels needs a folder"; cuda_wheels=$2; shift 2 ;;
    --project) [ $# -ge 2 ] || die "--project needs a folder"; project=$2; shift 2 ;;
    -h | --help) sed -n '2,38p' "$0" | sed 's/^# \{0,1\}//'; exit 0 ;;
    *) die "unknown argument '$1' (see --help)" ;;
  esac
done

# --- preconditions ---------------------------------------------------------------------------
[ -d "$project" ] || die "--project $project is not a folder"
cd "$project"
if [ "$gpu" = 1 ]; then
  # Refused before anything is downloaded (the GPU wheels are about 3 GB).
  if ! command -v nvidia-smi >/dev/null || ! nvidia-smi -L 2>/dev/null | grep -q '^GPU '; then
    die "no NVIDIA GPU found (nvidia-smi is missing or lists none): the gpu backend needs an NVIDIA GPU with a driver for CUDA 12 (525 or newer); without one use the native backend (mlspec install-backend native)"
  fi
  tf_dist=tensorflow
  tfjs_package=@tensorflow/tfjs-node-gpu
  store_name=libtensorflow-gpu-$TF_VERSION
else
  tf_dist=tensorflow-cpu
  tfjs_package=@tensorflow/tfjs-node
  store_name=libtensorflow-$TF_VERSION
fi
wheel_prefix=${tf_dist//-/_}
wheels_py="$root/tools/native-backend/wheels.py"
[ "$(uname -s)-$(uname -m)" = "Linux-x86_64" ] || die "only Linux x86_64 is supported (TensorFlow's $WHEEL_PLATFORM wheel); this is $(uname -s)-$(uname -m)"
command -v node >/dev/null || die "node is not on PATH"
command -v npm >/dev/null || die "npm is not on PATH"
[ -f node_modules/@tensorflow/tfjs-core/package.json ] || die "node_modules has no @tensorflow/tfjs-core: run npm ci first"
TFJS_VERSION=$(node -p "require('./node_modules/@tensorflow/tfjs-core/package.json').version")
for tool in make g++ python3; do
  command -v "$tool" >/dev/null || die "$tool is needed to build the addon (Debian: apt-get install -y build-essential python3)"
done
# node-gyp would download Node's headers unless pointed at local ones.
nodedir=${MLSPEC_NODEDIR:-$(dirname "$(dirname "$(readlink -f "$(command -v node)")")")}
[ -f "$nodedir/include/node/node_api.h" ] || die "Node's C headers are not in $nodedir/include/node (Debian's nodejs package ships them; or set MLSPEC_NODEDIR to a Node $(node -v) headers folder)"
npm_root=$(dirname "$(dirname "$(readlink -f "$(command -v npm)")")")
node_gyp="$npm_root/node_modules/node-gyp/bin/node-gyp.js"
[ -f "$node_gyp" ] || node_gyp=$(command -v node-gyp || true)
[ -n "$node_gyp" ] || die "node-gyp not found (npm bundles it; or npm install -g node-gyp)"

if [ -z "$python" ]; then
  if [ -x .venv/bin/python ]; then python=.venv/bin/python; else python=python3; fi
fi
command -v "$python" >/dev/null || die "python '$python' not found (give one with --python)"

# --- 1. the TensorFlow C library ---------------------------------------------------------------
# A folder with libtensorflow_cc.so.2, libtensorflow_framework.so.2 and include/tensorflow/c.
libdir=""
installed=$("$python" - "$TF_VERSION" <<'EOF' 2>/dev/null || true
import importlib.metadata as md, importlib.util, os, sys
for dist in ("tensorflow-cpu", "tensorflow"):
    try:
        version = md.version(dist)
    except md.PackageNotFoundError:
        continue
    spec = importlib.util.find_spec("tensorflow")
    if version == sys.argv[1] and spec and spec.submodule_search_locations:
        print(list(spec.submodule_search_locations)[0])
    break
EOF
)
if [ "$gpu" = 0 ] && [ -z "$wheel" ] && [ -n "$installed" ] && [ -f "$installed/libtensorflow_cc.so.2" ] && [ -f "$installed/include/tensorflow/c/c_api.h" ]; then
  libdir=$installed
  say "using TensorFlow $TF_VERSION installed for $python ($libdir)"
else
  cache=${MLSPEC_NATIVE_CACHE:-${XDG_CACHE_HOME:-$HOME/.cache}/mlspec}
  # The CPU library lies flat in the store; the GPU one in store/tensorflow next to store/nvidia.
  store="$cache/$store_name"
  sub=""
  [ "$gpu" = 1 ] && sub=/tensorflow
  libdir="$store$sub"
  fetch() { # fetch SPEC...: wheels pinned exactly, for the fixed Python and platform, into the partial store
    "$python" -m pip --version >/dev/null 2>&1 || die "$python has no pip to fetch $* (give one with --python, or wheels with --wheel/--cuda-wheels)"
    "$python" -m pip download --quiet --disable-pip-version-check --no-deps --only-binary=:all: \
      --python-version "$WHEEL_PYTHON" --platform "$WHEEL_PLATFORM" -d "$store.partial/wheel" "$@" || die "pip could not download $*"
  }
  if [ "$force" = 1 ] || [ ! -f "$store/.complete" ]; then
    rm -rf "$store.partial"
    mkdir -p "$store.partial$sub"
    if [ -z "$wheel" ]; then
      say "fetching $tf_dist==$TF_VERSION from PyPI (about $([ "$gpu" = 1 ] && echo 620 || echo 275) MB; only its C library is kept)"
      fetch "$tf_dist==$TF_VERSION"
      wheel=$(ls "$store.partial"/wheel/"$wheel_prefix"-"$TF_VERSION"-*.whl)
    fi
    [ -f "$wheel" ] || die "wheel '$wheel' not found"
    case "$(basename "$wheel")" in "$wheel_prefix"-"$TF_VERSION"-*.whl) ;; *) die "'$wheel' is not a $wheel_prefix-$TF_VERSION wheel" ;; esac
    say "unpacking the C library and headers from $(basename "$wheel")"
    "$python" "$wheels_py" tensorflow "$wheel" "$store.partial$sub" || die "could not unpack $wheel"
    [ -f "$store.partial$sub/libtensorflow_cc.so.2" ] && [ -f "$store.partial$sub/include/tensorflow/c/c_api.h" ] || die "$wheel lacks libtensorflow_cc.so.2 or the C API headers"
    if [ "$gpu" = 1 ]; then
      mapfile -t pins < <("$python" "$wheels_py" cuda-pins "$wheel") || die "could not read the CUDA wheels $wheel asks for"
      [ "${#pins[@]}" -gt 0 ] || die "$wheel names no nvidia-* wheels in its and-cuda extra"
      for pin in "${pins[@]}"; do
        name=${pin%%==*}
        version=${pin#*==}
        file=""
        [ -n "$cuda_wheels" ] && file=$(ls "$cuda_wheels/${name//-/_}-$version-"*.whl 2>/dev/null | head -n1)
        if [ -z "$file" ]; then
          say "fetching $pin"
          fetch "$pin"
          file=$(ls "$store.partial/wheel/${name//-/_}-$version-"*.whl | head -n1)
        fi
        "$python" "$wheels_py" cuda "$file" "$store.partial" || die "could not unpack $file"
      done
    fi
    rm -rf "$store.partial/wheel"
    touch "$store.partial/.complete"
    # Replaced only now, so a failed run leaves a previous complete copy in place.
    rm -rf "$store"
    mv "$store.partial" "$store"
  else
    say "using the TensorFlow $TF_VERSION C library in $libdir"
  fi
fi

# --- 2. @tensorflow/tfjs-node without its download step ----------------------------------------
pkg=node_modules/$tfjs_package
have=$(node -p "try { require('./$pkg/package.json').version } catch { '' }")
if [ "$have" != "$TFJS_VERSION" ]; then
  say "installing $tfjs_package@$TFJS_VERSION from npm (install script off, package.json untouched)"
  # mlspec declares tfjs-node an optional peer: npm installs no optional peer, even one asked for,
  # unless it is asked for as an optional dependency (--save-optional; --no-save still writes nothing).
  log=$(mktemp)
  if ! npm install --no-save --save-optional --ignore-scripts --no-audit --no-fund "$tfjs_package@$TFJS_VERSION" >"$log" 2>&1; then
    tail -n 20 "$log" >&2
    rm -f "$log"
    die "npm could not install $tfjs_package@$TFJS_VERSION"
  fi
  rm -f "$log"
  force=1
fi
# tfjs-node brings @tensorflow/tfjs; both must use mlspec's tfjs-core, or the backend registers
# with a copy of tfjs that mlspec never calls.
node -e "
  const path = require('path');
  const ours = require.resolve('@tensorflow/tfjs-core');
  const from = (dir) => require.resolve('@tensorflow/tfjs-core', { paths: [path.dirname(require.resolve(dir + '/package.json'))] });
  for (const dir of ['$tfjs_package', '@tensorflow/tfjs']) {
    if (from(dir) !== ours) { console.error(dir + ' resolves tfjs-core to ' + from(dir) + ', not ' + ours); process.exit(1); }
  }" || die "tfjs-node does not share mlspec's @tensorflow/tfjs-core $TFJS_VERSION (check npm ls @tensorflow/tfjs-core)"

# --- 3. link the library where binding.gyp looks, and build the addon ---------------------------
# binding.gyp links -ltensorflow -ltensorflow_framework from deps/lib (so the unversioned names
# are needed at link time) and gives the addon the run path $ORIGIN/../../deps/lib; the addon
# then records the library's soname, libtensorflow_cc.so.2, so that name is needed at run time.
link() {
  [ "$(readlink "$2" 2>/dev/null)" = "$1" ] && return 0
  # A real file or folder there (a previous layout) would make ln put the link inside it.
  if [ -e "$2" ] && [ ! -L "$2" ]; then rm -rf "$2"; fi
  ln -sfn "$1" "$2"
  force=1
}
mkdir -p "$pkg/deps/lib"
link "$libdir/libtensorflow_cc.so.2" "$pkg/deps/lib/libtensorflow_cc.so.2"
link "$libdir/libtensorflow_framework.so.2" "$pkg/deps/lib/libtensorflow_framework.so.2"
link libtensorflow_cc.so.2 "$pkg/deps/lib/libtensorflow.so"
link libtensorflow_framework.so.2 "$pkg/deps/lib/libtensorflow_framework.so"
link "$libdir/include" "$pkg/deps/include"
# TensorFlow's GPU build finds the CUDA libraries through its run path, $ORIGIN/../nvidia/*/lib:
# right in the store, and (should the loader not resolve the links) from deps/lib too.
if [ "$gpu" = 1 ]; then link "$store/nvidia" "$pkg/deps/nvidia"; fi

# node-pre-gyp (which tfjs-node's loader asks) looks in lib/napi-v<N> for the highest N-API
# version the package lists that this Node supports.
napi=$(node -p "Math.max(...require('./$pkg/package.json').binary.napi_versions.filter((v) => v <= Number(process.versions.napi)))")
module_path="$PWD/$pkg/lib/napi-v$napi"
if [ "$force" = 1 ] || [ ! -f "$module_path/tfjs_binding.node" ]; then
  say "building the tfjs-node addon (N-API $napi) against $nodedir/include/node"
  log=$(mktemp)
  if ! (cd "$pkg" && node "$node_gyp" rebuild --nodedir="$nodedir" --module_name=tfjs_binding --module_path="$module_path" --napi_build_version="$napi") >"$log" 2>&1; then
    tail -n 30 "$log" >&2
    rm -f "$log"
    die "the addon did not build (output above)"
  fi
  rm -f "$log"
fi

# --- 4. check ---------------------------------------------------------------------------------
TF_CPP_MIN_LOG_LEVEL=${TF_CPP_MIN_LOG_LEVEL:-2} TF_ENABLE_ONEDNN_OPTS=0 node -e "
  const tf = require('$tfjs_package');
  const core = require('@tensorflow/tfjs-core');
  if (tf.getBackend() !== 'tensorflow' || core.getBackend() !== 'tensorflow') throw new Error('the tensorflow backend is not active: ' + core.getBackend());
  const product = core.matMul(core.tensor2d([[1, 2], [3, 4]]), core.tensor2d([[5, 6], [7, 8]])).arraySync();
  if (JSON.stringify(product) !== '[[19,22],[43,50]]') throw new Error('wrong matMul result ' + JSON.stringify(product));
  if ($gpu && !core.backend().isUsingGpuDevice) throw new Error('TensorFlow started without a GPU device (TF_CPP_MIN_LOG_LEVEL=0 shows why: a CUDA library not found, or a driver too old for CUDA 12)');
  console.log('install-native: ok: $tfjs_package ' + tf.version['tfjs-node'] + ' on TensorFlow ' + tf.backend().binding.TF_Version + ', backend tensorflow' + ($gpu ? ' on a GPU' : ''));
" || die "$tfjs_package does not work (see above); --force rebuilds it"

# --- 5. mlspec's recurrent kernels for this CPU ---------------------------------------------------
"$root/tools/native-kernels/build.sh" || die "the native recurrent kernels did not build (see above)"

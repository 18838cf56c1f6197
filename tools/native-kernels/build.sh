#!/usr/bin/env bash
# Builds mlspec's fused recurrent kernels (src/core/kernels/fused-rnn/fused-rnn.c) for this
# machine's CPU as a Node addon, build/native/fused-rnn.node, with the widest vector instructions it
# has (AVX-512, else AVX2 + FMA). On the tensorflow backend the recurrent layers run on
# it (the same kernels as the WebAssembly module, 4× wider vectors with AVX-512); without it they
# run on the WebAssembly module. `npm run install:native` runs this; run it again after editing
# fused-rnn.c (a build from another source is never used: it carries its source's SHA-256).
#
# Needs a C compiler (cc, gcc or clang; CC overrides) and Node's C headers (Debian's nodejs
# package ships them in /usr/include/node; MLSPEC_NODEDIR overrides the folder holding include/node).
set -euo pipefail

root="$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)"
src="$root/src/core/kernels/fused-rnn"
out_dir="$root/build/native"
out="$out_dir/fused-rnn.node"

die() {
  echo "native-kernels: error: $*" >&2
  exit 1
}

cc="${CC:-}"
if [ -z "$cc" ]; then
  for candidate in cc gcc clang; do
    if command -v "$candidate" >/dev/null; then cc=$candidate; break; fi
  done
fi
[ -n "$cc" ] || die "no C compiler found (Debian: apt-get install -y build-essential)"
nodedir=${MLSPEC_NODEDIR:-$(dirname "$(dirname "$(readlink -f "$(command -v node)")")")}
[ -f "$nodedir/include/node/node_api.h" ] || die "Node's C headers are not in $nodedir/include/node (set MLSPEC_NODEDIR)"

# The instruction set: the widest this CPU has, or MLSPEC_NATIVE_ISA=avx512|avx2|sse2 (to compare
# them, or to build for an older CPU). Without AVX2 nothing is built unless asked for. The addon
# checks its instruction set again when it loads.
flags=$(grep -m1 '^flags' /proc/cpuinfo 2>/dev/null || true)
has() { [[ " $flags " == *" $1 "* ]]; }
level=${MLSPEC_NATIVE_ISA:-}
if [ -z "$level" ]; then
  if has avx512f && has avx512vl && has avx2 && has fma; then level=avx512
  elif has avx2 && has fma; then level=avx2
  else
    # Measured: 4-lane SSE2 code runs no faster than the WebAssembly kernel, so it is not worth a build.
    rm -f "$out"
    echo "native-kernels: skipped: this CPU has no AVX2 and FMA; the recurrent layers use the WebAssembly kernel"
    exit 0
  fi
fi
case "$level" in
  avx512) isa=(-mavx512f -mavx512vl -mavx2 -mfma) ;;
  avx2) isa=(-mavx2 -mfma) ;;
  sse2) isa=() ;;
  *) die "MLSPEC_NATIVE_ISA must be avx512, avx2 or sse2, not '$level'" ;;
esac

sha=$(sha256sum "$src/fused-rnn.c" | cut -d' ' -f1)
mkdir -p "$out_dir"
tmp="$out_dir/.building-$$.node"
trap 'rm -f "$tmp"' EXIT
"$cc" -O3 -std=gnu11 -fPIC -shared -fvisibility=hidden -ffp-contract=fast -Wall -Wextra -Werror \
  ${isa[@]+"${isa[@]}"} -DFUSED_RNN_SOURCE_SHA256="\"$sha\"" -I"$nodedir/include/node" \
  -o "$tmp" "$src/fused-rnn-node.c" || die "the compiler failed"
node -e "const a = require(process.argv[1]); if (a.sourceSha256 !== process.argv[2]) process.exit(1);" "$tmp" "$sha" ||
  die "the built addon does not load"
mv -f "$tmp" "$out"
echo "native-kernels: built ${out#"$root/"} ($(node -p "require(process.argv[1]).isa" "$out"), $("$cc" --version | head -n1))"

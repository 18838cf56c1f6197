/*
 * fused-rnn.c built for the host CPU as a Node addon (Node-API): the same kernels as the
 * WebAssembly module, with the same exports, working on the same shared memory. Every call gets
 * a Uint8Array over that memory (the WebAssembly.Memory's SharedArrayBuffer), whose start the job's
 * byte offsets are relative to. Loaded by the main thread and by each helper thread (the addon
 * keeps no state of its own).
 *
 * Built by tools/native-kernels/build.sh with the widest vector instructions the machine has; the
 * addon refuses to load on a CPU without them (a build copied to another machine) and reports the
 * SHA-256 of the fused-rnn.c it was built from, so a stale build is never used.
 */
#include <node_api.h>
#include <stddef.h>
#include <stdint.h>

#include "fused-rnn.c"

#ifndef FUSED_RNN_SOURCE_SHA256
#error "build with -DFUSED_RNN_SOURCE_SHA256=\"<sha256 of fused-rnn.c>\" (tools/native-kernels/build.sh)"
#endif

#if defined(__AVX512F__)
#define ISA "avx512"
#elif defined(__AVX2__)
#define ISA "avx2"
#else
#define ISA "sse2"
#endif

static int cpu_has_isa(void) {
#if defined(__x86_64__) || defined(__i386__)
  __builtin_cpu_init();
#if defined(__AVX512F__)
  if (!__builtin_cpu_supports("avx512f") || !__builtin_cpu_supports("avx512vl")) return 0;
#endif
#if defined(__AVX2__)
  if (!__builtin_cpu_supports("avx2")) return 0;
#endif
#if defined(__FMA__)
  if (!__builtin_cpu_supports("fma")) return 0;
#endif
#endif
  return 1;
}

#define CALL(env, expr)                                                   \
  do {                                                                    \
    if ((expr) != napi_ok) {                                              \
      napi_throw_error((env), NULL, "fused-rnn addon: " #expr " failed"); \
      return NULL;                                                        \
    }                                                                     \
  } while (0)

/* Reads `count` arguments: a Uint8Array over the memory, then 32-bit integers. */
static int read_args(napi_env env, napi_callback_info info, size_t count, char **base, size_t *length, i32 *ints) {
  napi_value argv[6];
  size_t argc = 6;
  if (napi_get_cb_info(env, info, &argc, argv, NULL, NULL) != napi_ok || argc != count) {
    napi_throw_type_error(env, NULL, "fused-rnn addon: wrong number of arguments");
    return 0;
  }
  napi_typedarray_type type;
  void *data = NULL;
  napi_value buffer;
  size_t offset = 0;
  if (napi_get_typedarray_info(env, argv[0], &type, length, &data, &buffer, &offset) != napi_ok || type != napi_uint8_array || offset != 0) {
    napi_throw_type_error(env, NULL, "fused-rnn addon: the first argument must be a Uint8Array over the whole memory");
    return 0;
  }
  *base = (char *)data;
  for (size_t i = 1; i < count; i++) {
    if (napi_get_value_int32(env, argv[i], &ints[i - 1]) != napi_ok) {
      napi_throw_type_error(env, NULL, "fused-rnn addon: arguments after the memory must be integers");
      return 0;
    }
  }
  return 1;
}

/*
 * The `bytes` bytes at byte offset `offset` of the memory, or NULL with a RangeError thrown when
 * they do not lie inside it (`bytes` is SIZE_MAX for a negative size).
 */
static void *at(napi_env env, char *base, size_t length, i32 offset, size_t bytes, const char *what) {
  if (offset <= 0 || bytes > length || (size_t)offset > length - bytes) {
    napi_throw_range_error(env, NULL, what);
    return NULL;
  }
  return base + offset;
}

/* Bytes of a rows × cols float matrix; SIZE_MAX when either is negative. */
static size_t float_bytes(i32 rows, i32 cols) { return rows < 0 || cols < 0 ? SIZE_MAX : (size_t)rows * (size_t)cols * 4; }

/* runShares(memory, job, epoch) → shares run */
static napi_value run_shares_js(napi_env env, napi_callback_info info) {
  char *base;
  size_t length;
  i32 a[2];
  if (!read_args(env, info, 3, &base, &length, a)) return NULL;
  JobInMemory *job = at(env, base, length, a[0], sizeof(JobInMemory), "fused-rnn addon: the job lies outside the memory");
  if (!job) return NULL;
  napi_value result;
  CALL(env, napi_create_int32(env, claim_and_run(base, job, a[1]), &result));
  return result;
}

/* transpose(memory, w, wt, H, N) */
static napi_value transpose_js(napi_env env, napi_callback_info info) {
  char *base;
  size_t length;
  i32 a[4];
  if (!read_args(env, info, 5, &base, &length, a)) return NULL;
  const char *outside = "fused-rnn addon: transpose outside the memory";
  const float *w = at(env, base, length, a[0], float_bytes(a[2], a[3]), outside);
  float *wt = w ? at(env, base, length, a[1], float_bytes(a[2], a[3]), outside) : NULL;
  if (wt) transpose_floats(w, wt, a[2], a[3]);
  return NULL;
}

/* sumParts(memory, parts, count, size) */
static napi_value sum_parts_js(napi_env env, napi_callback_info info) {
  char *base;
  size_t length;
  i32 a[3];
  if (!read_args(env, info, 4, &base, &length, a)) return NULL;
  float *parts = at(env, base, length, a[0], float_bytes(a[1], a[2]), "fused-rnn addon: sum_parts outside the memory");
  if (parts) add_parts(parts, a[1], a[2]);
  return NULL;
}

static napi_value string_value(napi_env env, const char *s) {
  napi_value v;
  return napi_create_string_utf8(env, s, NAPI_AUTO_LENGTH, &v) == napi_ok ? v : NULL;
}

NAPI_MODULE_INIT() {
  if (!cpu_has_isa()) {
    napi_throw_error(env, NULL, "fused-rnn addon: built for " ISA " instructions this CPU lacks; rebuild it on this machine (npm run install:native)");
    return NULL;
  }
  napi_value lanes, fn;
  CALL(env, napi_create_int32(env, LANES, &lanes));
  CALL(env, napi_set_named_property(env, exports, "lanes", lanes));
  CALL(env, napi_set_named_property(env, exports, "isa", string_value(env, ISA)));
  CALL(env, napi_set_named_property(env, exports, "sourceSha256", string_value(env, FUSED_RNN_SOURCE_SHA256)));
  CALL(env, napi_create_function(env, "runShares", NAPI_AUTO_LENGTH, run_shares_js, NULL, &fn));
  CALL(env, napi_set_named_property(env, exports, "runShares", fn));
  CALL(env, napi_create_function(env, "transpose", NAPI_AUTO_LENGTH, transpose_js, NULL, &fn));
  CALL(env, napi_set_named_property(env, exports, "transpose", fn));
  CALL(env, napi_create_function(env, "sumParts", NAPI_AUTO_LENGTH, sum_parts_js, NULL, &fn));
  CALL(env, napi_set_named_property(env, exports, "sumParts", fn));
  return exports;
}

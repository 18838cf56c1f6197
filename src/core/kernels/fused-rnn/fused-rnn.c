/*
 * Fused recurrent kernels (rnn, lstm, gru with PyTorch's gate order), one source for two targets:
 *   - WebAssembly SIMD128 (4 lanes), built by tools/build-kernels.sh and embedded in the package;
 *   - the host CPU (clang/gcc vector extensions: 16 lanes with AVX-512, 8 with AVX2, else 4),
 *     built as a Node addon by tools/native-kernels/build.sh with fused-rnn-node.c.
 * The only difference between the two is the vector helpers below and how buffer offsets become
 * pointers (in wasm32 an offset is the pointer; natively it is added to the memory's base).
 *
 * One call runs a whole sequence forward, another the whole backpropagation through time, for one
 * batch. Every row of a batch is an independent sequence, so the rows are cut into shares of
 * `share_rows` rows that threads claim one at a time (compare-and-swap on a counter) and run from
 * the first step to the last without waiting for each other: no barrier per time step. Each share accumulates its own weight-gradient
 * partial; the caller adds the partials in share order, so results do not depend on how many
 * threads ran or which share each took.
 *
 * Layouts (row-major float32; N = gates · H, E = input width):
 *   x     [T, B, N]     projected inputs x_t·W_ih + b_ih, in time order; or, when `in` is given,
 *   in    [T, B, E]     the layer's inputs, projected inside (w_ih [E, N], b_ih [N]; backward
 *                       also returns din [T, B, E] and per-share dw_ih [shares, E, N] partials)
 *   w     [H, N]        W_hh;  wt [N, H] its transpose (backward only)
 *   bias  [N]           b_hh, added to h·W_hh for every cell
 *   mask  [T, B]        0 or 1 (0 = carry the state unchanged), or null
 *   h     [T+1, B, H]   states in processing order: h[0] = h0, h[k+1] after the k-th step run
 *   c     [T+1, B, H]   lstm cell states, same order
 *   act   [T, B, A]     what backward needs, in time order: lstm i f g o tanh(c') (A = 5H),
 *                       gru r z n hn (A = 4H, hn = h·W_hn + b_hn), nothing for rnn; only [B, A]
 *                       when keep_act is 0 (no backward will follow)
 *   dx    [T, B, N]     gradient of x;  dhh [T, B, N] gradient of h·W_hh + b_hh (gru; else dx)
 *   dh,dc [B, H]        running state gradients; on return the gradients of h0 and c0
 *   dw    [shares, H, N], db [shares, N]   per-share partial gradients of W_hh and b_hh
 *   dbx   [shares, N]   gru: per-share partial gradient of b_ih (Σ dx; for rnn and lstm it is db)
 *   tmp, xtmp [B, N]    scratch for each step's h·W_hh + b_hh and x_t·W_ih + b_ih
 *
 * WebAssembly cannot flush subnormal floats to zero, and arithmetic on them is very slow on x86.
 * Gradients shrinking step after step through BPTT reach that range, so every state, gate and
 * gradient the loops store is flushed to zero below 2^-60 (far below anything that moves a
 * weight), which also keeps products of two stored values normal. NaNs are kept, so a diverging
 * run still shows a NaN loss.
 *
 * No libc and no shadow stack in wasm: the code only uses its arguments and the job struct, so
 * several instances on one shared memory (one per thread) never touch a common stack.
 */
typedef int i32;
typedef unsigned int u32;

#define EXPORT(name) __attribute__((export_name(#name)))
#define INLINE static inline __attribute__((always_inline))

/* ---------------------------------------------------------------- vector helpers, per target */

#if defined(__wasm__)
#include <wasm_simd128.h>

#define LANES 4
typedef v128_t V;  /* float lanes */
typedef v128_t VM; /* comparison masks */

INLINE V splat(float v) { return wasm_f32x4_splat(v); }
INLINE V load(const float *p) { return wasm_v128_load(p); }
INLINE void store(float *p, V v) { wasm_v128_store(p, v); }
INLINE V load_splat(const float *p) { return wasm_v128_load32_splat(p); }
INLINE V add(V a, V b) { return wasm_f32x4_add(a, b); }
INLINE V sub(V a, V b) { return wasm_f32x4_sub(a, b); }
INLINE V mul(V a, V b) { return wasm_f32x4_mul(a, b); }
INLINE V vdiv(V a, V b) { return wasm_f32x4_div(a, b); }
INLINE V neg(V a) { return wasm_f32x4_neg(a); }
INLINE V vabs(V a) { return wasm_f32x4_abs(a); }
INLINE V vfloor(V a) { return wasm_f32x4_floor(a); }
/* pmin/pmax: the first operand when a comparison involves NaN. */
INLINE V pmin(V a, V b) { return wasm_f32x4_pmin(a, b); }
INLINE V pmax(V a, V b) { return wasm_f32x4_pmax(a, b); }
INLINE VM less(V a, V b) { return wasm_f32x4_lt(a, b); }
INLINE V clear_where(V v, VM m) { return wasm_v128_andnot(v, m); }
INLINE V select(V if_set, V if_clear, VM m) { return wasm_v128_bitselect(if_set, if_clear, m); }
INLINE V sign_of(V v) { return wasm_v128_and(v, wasm_i32x4_splat((i32)0x80000000)); }
INLINE V with_sign(V v, V sign) { return wasm_v128_or(v, sign); }
/* 2^n for whole n in [-126, 127] given as floats. */
INLINE V pow2_whole(V n) { return wasm_i32x4_shl(wasm_i32x4_add(wasm_i32x4_trunc_sat_f32x4(n), wasm_i32x4_splat(127)), 23); }

/* Loads and stores of n < LANES lanes (row tails) lane by lane: no stack in wasm. */
INLINE V ld(const float *p, i32 n) {
  if (n >= 4) return wasm_v128_load(p);
  V v = splat(0.0f);
  v = wasm_f32x4_replace_lane(v, 0, p[0]);
  if (n > 1) v = wasm_f32x4_replace_lane(v, 1, p[1]);
  if (n > 2) v = wasm_f32x4_replace_lane(v, 2, p[2]);
  return v;
}

INLINE void st(float *p, V v, i32 n) {
  if (n >= 4) {
    wasm_v128_store(p, v);
    return;
  }
  p[0] = wasm_f32x4_extract_lane(v, 0);
  if (n > 1) p[1] = wasm_f32x4_extract_lane(v, 1);
  if (n > 2) p[2] = wasm_f32x4_extract_lane(v, 2);
}

#else /* the host CPU, through vector extensions (gcc and clang) */

#if defined(__AVX512F__)
#define LANES 16
#elif defined(__AVX2__)
#define LANES 8
#else
#define LANES 4
#endif
typedef float V __attribute__((vector_size(LANES * 4)));
typedef i32 VM __attribute__((vector_size(LANES * 4)));
/* The same vectors at any address (buffers are only float-aligned). */
typedef float VU __attribute__((vector_size(LANES * 4), aligned(4)));

INLINE V splat(float v) { return (V){0} + v; }
INLINE V load(const float *p) { return *(const VU *)p; }
INLINE void store(float *p, V v) { *(VU *)p = v; }
INLINE V load_splat(const float *p) { return splat(*p); }
INLINE V add(V a, V b) { return a + b; }
INLINE V sub(V a, V b) { return a - b; }
INLINE V mul(V a, V b) { return a * b; }
INLINE V vdiv(V a, V b) { return a / b; }
INLINE V neg(V a) { return -a; }
INLINE V vabs(V a) { return (V)((VM)a & 0x7fffffff); }
INLINE VM less(V a, V b) { return (VM)(a < b); }
INLINE V clear_where(V v, VM m) { return (V)((VM)v & ~m); }
INLINE V select(V if_set, V if_clear, VM m) { return (V)(((VM)if_set & m) | ((VM)if_clear & ~m)); }
INLINE V pmin(V a, V b) { return select(b, a, less(b, a)); }
INLINE V pmax(V a, V b) { return select(b, a, less(a, b)); }
INLINE V sign_of(V v) { return (V)((VM)v & (i32)0x80000000); }
INLINE V with_sign(V v, V sign) { return (V)((VM)v | (VM)sign); }
/* floor for |a| < 2^31: truncate, then step down where truncation went up (negative fractions). */
INLINE V vfloor(V a) {
  V t = __builtin_convertvector(__builtin_convertvector(a, VM), V);
  return sub(t, (V)((VM)(a < t) & (VM)splat(1.0f)));
}
INLINE V pow2_whole(V n) { return (V)((__builtin_convertvector(n, VM) + 127) << 23); }

INLINE V ld(const float *p, i32 n) {
  if (n >= LANES) return load(p);
  float lanes[LANES] = {0};
  for (i32 i = 0; i < n; i++) lanes[i] = p[i];
  return load(lanes);
}

INLINE void st(float *p, V v, i32 n) {
  if (n >= LANES) {
    store(p, v);
    return;
  }
  float lanes[LANES];
  store(lanes, v);
  for (i32 i = 0; i < n; i++) p[i] = lanes[i];
}

#endif

/* a·b + acc; natively built with -ffp-contract=fast this is one fused multiply-add. */
INLINE V madd(V acc, V a, V b) { return add(acc, mul(a, b)); }
INLINE V one_minus(V a) { return sub(splat(1.0f), a); }

/* |v| < 2^-60 becomes 0; NaN compares false and stays NaN. */
INLINE V ftz(V v) { return clear_where(v, less(vabs(v), splat(8.6736174e-19f))); }

/* Clamp keeping NaN (pmin/pmax keep their first operand). */
INLINE V clamp(V v, float lo, float hi) { return pmax(pmin(v, splat(hi)), splat(lo)); }

/* e^x for x in [-87, 88] (Cephes expf: 2^n · e^r with |r| ≤ ln2/2, degree-6 polynomial). */
INLINE V vexp(V x) {
  V fx = vfloor(madd(splat(0.5f), x, splat(1.44269504088896341f)));
  x = sub(x, mul(fx, splat(0.693359375f)));
  x = sub(x, mul(fx, splat(-2.12194440e-4f)));
  V z = mul(x, x);
  V y = splat(1.9875691500e-4f);
  y = madd(splat(1.3981999507e-3f), y, x);
  y = madd(splat(8.3334519073e-3f), y, x);
  y = madd(splat(4.1665795894e-2f), y, x);
  y = madd(splat(1.6666665459e-1f), y, x);
  y = madd(splat(5.0000001201e-1f), y, x);
  y = add(madd(x, y, z), splat(1.0f));
  return mul(y, pow2_whole(fx));
}

/* σ(x) = 1/(1 + e^-x); the clamp keeps e^-x finite and normal, ftz drops the far tail. */
INLINE V vsigmoid(V x) {
  V e = vexp(neg(clamp(x, -87.0f, 87.0f)));
  return ftz(vdiv(splat(1.0f), add(splat(1.0f), e)));
}

/* tanh: Cephes' odd polynomial below |x| = 0.625, 1 − 2/(e^{2|x|} + 1) above (|x| clamped at 9,
 * where tanh is 1 in float32), with the sign put back. */
INLINE V vtanh(V x) {
  V ax = vabs(x);
  V z = mul(x, x);
  V p = splat(-5.70498872745e-3f);
  p = madd(splat(2.06390887954e-2f), p, z);
  p = madd(splat(-5.37397155531e-2f), p, z);
  p = madd(splat(1.33314422036e-1f), p, z);
  p = madd(splat(-3.33332819422e-1f), p, z);
  V small = madd(x, mul(p, z), x);
  V e = vexp(mul(splat(2.0f), pmin(ax, splat(9.0f))));
  V big = with_sign(sub(splat(1.0f), vdiv(splat(2.0f), add(e, splat(1.0f)))), sign_of(x));
  return select(small, big, less(ax, splat(0.625f)));
}

static void copy_floats(float *dst, const float *src, i32 n) {
  for (i32 j = 0; j < n; j += LANES) st(dst + j, ld(src + j, n - j), n - j);
}

static void zero_floats(float *dst, i32 n) {
  for (i32 j = 0; j < n; j += LANES) st(dst + j, splat(0.0f), n - j);
}

/* ---------------------------------------------------------------- the job */

enum { CELL_RNN = 0, CELL_LSTM = 1, CELL_GRU = 2 };
enum { JOB_FORWARD = 0, JOB_BACKWARD = 1 };

/* The Job struct's fields in order (mirrored in layout.ts; every field is 4 bytes in memory).
 * `n` fields are numbers, `b` fields buffers (byte offsets in the memory, 0 for none). */
#define JOB_FIELDS(n, b)                                                                        \
  n(kind) n(cell) n(steps) n(rows) n(units) n(reverse) n(share_rows) n(shares)                 \
  n(next_share) n(done) /* accessed atomically; next_share = epoch << 16 | share */          \
  b(x) b(w) b(wt) b(bias) b(mask) b(h) b(c) b(act) b(tmp)                                      \
  b(dy_seq) b(dy_last) b(dx) b(dhh) b(dh) b(dc) b(dw) b(db) b(dbx)                             \
  n(in_width)                                                                                  \
  b(in) b(w_ih) b(w_iht) b(b_ih) b(xtmp) b(din) b(dw_ih)                                       \
  n(keep_act) /* 0: forward only, act holds one step [B, A] and is overwritten */

#define AS_NUMBER(name) i32 name;
#define AS_POINTER(name) float *name;
#define AS_OFFSET(name) u32 name;

/* The job with its buffers as pointers, as the kernels use it. */
typedef struct {
  JOB_FIELDS(AS_NUMBER, AS_POINTER)
} Job;

#if defined(__wasm__)
/* In wasm32 a pointer is its byte offset: the struct in memory is the Job itself. */
typedef Job JobInMemory;
_Static_assert(sizeof(Job) == 37 * 4, "layout.ts mirrors this layout");
#define RESOLVE(base, stored, job) const Job *job = (stored)
#else
typedef struct {
  JOB_FIELDS(AS_NUMBER, AS_OFFSET)
} JobInMemory;
_Static_assert(sizeof(JobInMemory) == 37 * 4, "layout.ts mirrors this layout");

#define COPY_NUMBER(name) job->name = stored->name;
#define COPY_POINTER(name) job->name = stored->name ? (float *)(void *)(base + stored->name) : (float *)0;
static void resolve_job(char *base, const JobInMemory *stored, Job *job) { JOB_FIELDS(COPY_NUMBER, COPY_POINTER) }
#define RESOLVE(base, stored, job) \
  Job job##_resolved;              \
  resolve_job(base, stored, &job##_resolved); \
  const Job *job = &job##_resolved
#endif

/* Steps per weight-gradient product in backward: the rows of that many steps stay in cache. */
#define DW_CHUNK 16

/* ---------------------------------------------------------------- matrix products */

/*
 * C[M×N] = A[M×K]·B[K×N] plus: C itself (accumulate), else `bias` (a row), else nothing. The 4×2
 * vector register tile keeps 8 accumulators in registers; column panels outside, row tiles
 * inside, so a panel of B (K×2 vectors) stays in L1 while every row tile passes over it. Edge
 * rows and columns take narrower paths.
 */
enum { INIT_ZERO = 0, INIT_BIAS = 1, ACCUMULATE = 2 };
#define PANEL (2 * LANES)

static void gemm(i32 M, i32 N, i32 K, const float *A, i32 lda, const float *B, i32 ldb, float *C, i32 ldc, i32 init, const float *bias) {
  i32 M4 = M & ~3, NP = N - N % PANEL;
  for (i32 j = 0; j < NP; j += PANEL) {
    for (i32 i = 0; i < M4; i += 4) {
      float *c = C + i * ldc + j;
      V c00, c01, c10, c11, c20, c21, c30, c31;
      if (init == INIT_BIAS) {
        c00 = c10 = c20 = c30 = load(bias + j);
        c01 = c11 = c21 = c31 = load(bias + j + LANES);
      } else if (init == INIT_ZERO) {
        c00 = c10 = c20 = c30 = c01 = c11 = c21 = c31 = splat(0.0f);
      } else {
        c00 = load(c), c01 = load(c + LANES);
        c10 = load(c + ldc), c11 = load(c + ldc + LANES);
        c20 = load(c + 2 * ldc), c21 = load(c + 2 * ldc + LANES);
        c30 = load(c + 3 * ldc), c31 = load(c + 3 * ldc + LANES);
      }
      const float *a = A + i * lda;
      const float *b = B + j;
      for (i32 k = 0; k < K; k++, b += ldb) {
        V b0 = load(b), b1 = load(b + LANES);
        V a0 = load_splat(a + k);
        c00 = madd(c00, a0, b0), c01 = madd(c01, a0, b1);
        a0 = load_splat(a + lda + k);
        c10 = madd(c10, a0, b0), c11 = madd(c11, a0, b1);
        a0 = load_splat(a + 2 * lda + k);
        c20 = madd(c20, a0, b0), c21 = madd(c21, a0, b1);
        a0 = load_splat(a + 3 * lda + k);
        c30 = madd(c30, a0, b0), c31 = madd(c31, a0, b1);
      }
      store(c, c00), store(c + LANES, c01);
      store(c + ldc, c10), store(c + ldc + LANES, c11);
      store(c + 2 * ldc, c20), store(c + 2 * ldc + LANES, c21);
      store(c + 3 * ldc, c30), store(c + 3 * ldc + LANES, c31);
    }
    for (i32 i = M4; i < M; i++) {
      float *c = C + i * ldc + j;
      V c0 = init == INIT_BIAS ? load(bias + j) : init == INIT_ZERO ? splat(0.0f) : load(c);
      V c1 = init == INIT_BIAS ? load(bias + j + LANES) : init == INIT_ZERO ? splat(0.0f) : load(c + LANES);
      const float *a = A + i * lda;
      const float *b = B + j;
      for (i32 k = 0; k < K; k++, b += ldb) {
        V a0 = load_splat(a + k);
        c0 = madd(c0, a0, load(b)), c1 = madd(c1, a0, load(b + LANES));
      }
      store(c, c0), store(c + LANES, c1);
    }
  }
  for (i32 i = 0; i < M; i++) {
    for (i32 j = NP; j < N; j++) {
      float s = init == INIT_BIAS ? bias[j] : init == INIT_ZERO ? 0.0f : C[i * ldc + j];
      for (i32 k = 0; k < K; k++) s += A[i * lda + k] * B[k * ldb + j];
      C[i * ldc + j] = s;
    }
  }
}

/*
 * C[I×N] += Σ_r A_r^T·B_r over the rows r of `steps` blocks of `nb` consecutive rows; block s
 * starts at A + s·a_step, B + s·b_step (b_step may be negative: backward walks time in reverse).
 * The weight gradient: A = states before each step, B = gradients of h·W_hh.
 */
static void gemm_tn(i32 I, i32 N, i32 steps, i32 nb, const float *A, i32 a_step, i32 lda, const float *B, i32 b_step, i32 ldb, float *C, i32 ldc) {
  i32 I4 = I & ~3, NP = N - N % PANEL;
  for (i32 i = 0; i < I4; i += 4) {
    for (i32 j = 0; j < NP; j += PANEL) {
      float *c = C + i * ldc + j;
      V c00 = load(c), c01 = load(c + LANES);
      V c10 = load(c + ldc), c11 = load(c + ldc + LANES);
      V c20 = load(c + 2 * ldc), c21 = load(c + 2 * ldc + LANES);
      V c30 = load(c + 3 * ldc), c31 = load(c + 3 * ldc + LANES);
      for (i32 s = 0; s < steps; s++) {
        const float *a = A + s * a_step + i;
        const float *b = B + s * b_step + j;
        for (i32 r = 0; r < nb; r++, a += lda, b += ldb) {
          V b0 = load(b), b1 = load(b + LANES);
          V a0 = load_splat(a);
          c00 = madd(c00, a0, b0), c01 = madd(c01, a0, b1);
          a0 = load_splat(a + 1);
          c10 = madd(c10, a0, b0), c11 = madd(c11, a0, b1);
          a0 = load_splat(a + 2);
          c20 = madd(c20, a0, b0), c21 = madd(c21, a0, b1);
          a0 = load_splat(a + 3);
          c30 = madd(c30, a0, b0), c31 = madd(c31, a0, b1);
        }
      }
      store(c, c00), store(c + LANES, c01);
      store(c + ldc, c10), store(c + ldc + LANES, c11);
      store(c + 2 * ldc, c20), store(c + 2 * ldc + LANES, c21);
      store(c + 3 * ldc, c30), store(c + 3 * ldc + LANES, c31);
    }
  }
  /* Edges: rows I4.. for every column, and columns NP.. of the first I4 rows. */
  for (i32 i = 0; i < I; i++) {
    i32 j0 = i < I4 ? NP : 0;
    for (i32 j = j0; j < N; j++) {
      float sum = C[i * ldc + j];
      for (i32 s = 0; s < steps; s++) {
        const float *a = A + s * a_step + i;
        const float *b = B + s * b_step + j;
        for (i32 r = 0; r < nb; r++) sum += a[r * lda] * b[r * ldb];
      }
      C[i * ldc + j] = sum;
    }
  }
}

/* ---------------------------------------------------------------- cells, one row of one step */

/* pre = x + hh (hh = h·W + b already in tmp). */
static void rnn_forward_row(const float *x, const float *hh, float *h_new, i32 H) {
  for (i32 j = 0; j < H; j += LANES) {
    i32 n = H - j;
    st(h_new + j, ftz(vtanh(add(ld(x + j, n), ld(hh + j, n)))), n);
  }
}

static void lstm_forward_row(const float *x, const float *hh, const float *c_prev, float *h_new, float *c_new, float *act, i32 H) {
  for (i32 j = 0; j < H; j += LANES) {
    i32 n = H - j;
    V i = vsigmoid(add(ld(x + j, n), ld(hh + j, n)));
    V f = vsigmoid(add(ld(x + H + j, n), ld(hh + H + j, n)));
    V g = vtanh(add(ld(x + 2 * H + j, n), ld(hh + 2 * H + j, n)));
    V o = vsigmoid(add(ld(x + 3 * H + j, n), ld(hh + 3 * H + j, n)));
    V c = ftz(add(mul(f, ld(c_prev + j, n)), mul(i, g)));
    V tc = vtanh(c);
    st(c_new + j, c, n);
    st(h_new + j, ftz(mul(o, tc)), n);
    st(act + j, i, n), st(act + H + j, f, n), st(act + 2 * H + j, g, n), st(act + 3 * H + j, o, n), st(act + 4 * H + j, tc, n);
  }
}

static void gru_forward_row(const float *x, const float *hh, const float *h_prev, float *h_new, float *act, i32 H) {
  for (i32 j = 0; j < H; j += LANES) {
    i32 n = H - j;
    V r = vsigmoid(add(ld(x + j, n), ld(hh + j, n)));
    V z = vsigmoid(add(ld(x + H + j, n), ld(hh + H + j, n)));
    V hn = ld(hh + 2 * H + j, n);
    V nn = vtanh(add(ld(x + 2 * H + j, n), mul(r, hn)));
    V hp = ld(h_prev + j, n);
    st(h_new + j, ftz(add(nn, mul(z, sub(hp, nn)))), n);
    st(act + j, r, n), st(act + H + j, z, n), st(act + 2 * H + j, nn, n), st(act + 3 * H + j, hn, n);
  }
}

/*
 * Backward of one row of one step. `dh` holds dL/dh_new on entry and the part of dL/dh_prev
 * that does not go through W_hh on return (zero, or z⊙dh for gru); `dc` likewise for lstm.
 * Writes the pre-activation gradients dx (and dhh for gru) and adds dhh to the bias partial.
 */
static void rnn_backward_row(const float *h_new, float *dh, float *dx, float *db, i32 H) {
  for (i32 j = 0; j < H; j += LANES) {
    i32 n = H - j;
    V y = ld(h_new + j, n);
    V d = ftz(mul(ld(dh + j, n), one_minus(mul(y, y))));
    st(dx + j, d, n);
    st(db + j, add(ld(db + j, n), d), n);
    st(dh + j, splat(0.0f), n);
  }
}

static void lstm_backward_row(const float *act, const float *c_prev, float *dh, float *dc, float *dx, float *db, i32 H) {
  for (i32 j = 0; j < H; j += LANES) {
    i32 n = H - j;
    V i = ld(act + j, n), f = ld(act + H + j, n), g = ld(act + 2 * H + j, n), o = ld(act + 3 * H + j, n), tc = ld(act + 4 * H + j, n);
    V dhv = ld(dh + j, n);
    V dcc = add(ld(dc + j, n), mul(mul(dhv, o), one_minus(mul(tc, tc))));
    V di = ftz(mul(mul(dcc, g), mul(i, one_minus(i))));
    V df = ftz(mul(mul(dcc, ld(c_prev + j, n)), mul(f, one_minus(f))));
    V dg = ftz(mul(mul(dcc, i), one_minus(mul(g, g))));
    V dov = ftz(mul(mul(dhv, tc), mul(o, one_minus(o))));
    st(dx + j, di, n), st(dx + H + j, df, n), st(dx + 2 * H + j, dg, n), st(dx + 3 * H + j, dov, n);
    st(db + j, add(ld(db + j, n), di), n);
    st(db + H + j, add(ld(db + H + j, n), df), n);
    st(db + 2 * H + j, add(ld(db + 2 * H + j, n), dg), n);
    st(db + 3 * H + j, add(ld(db + 3 * H + j, n), dov), n);
    st(dc + j, ftz(mul(dcc, f)), n);
    st(dh + j, splat(0.0f), n);
  }
}

static void gru_backward_row(const float *act, const float *h_prev, float *dh, float *dx, float *dhh, float *db, float *dbx, i32 H) {
  for (i32 j = 0; j < H; j += LANES) {
    i32 n = H - j;
    V r = ld(act + j, n), z = ld(act + H + j, n), nn = ld(act + 2 * H + j, n), hn = ld(act + 3 * H + j, n);
    V dhv = ld(dh + j, n);
    V dn_pre = ftz(mul(mul(dhv, one_minus(z)), one_minus(mul(nn, nn))));
    V dz_pre = ftz(mul(mul(dhv, sub(ld(h_prev + j, n), nn)), mul(z, one_minus(z))));
    V dr_pre = ftz(mul(mul(dn_pre, hn), mul(r, one_minus(r))));
    V dhn = ftz(mul(dn_pre, r));
    st(dx + j, dr_pre, n), st(dx + H + j, dz_pre, n), st(dx + 2 * H + j, dn_pre, n);
    st(dhh + j, dr_pre, n), st(dhh + H + j, dz_pre, n), st(dhh + 2 * H + j, dhn, n);
    st(db + j, add(ld(db + j, n), dr_pre), n);
    st(db + H + j, add(ld(db + H + j, n), dz_pre), n);
    st(db + 2 * H + j, add(ld(db + 2 * H + j, n), dhn), n);
    st(dbx + j, add(ld(dbx + j, n), dr_pre), n);
    st(dbx + H + j, add(ld(dbx + H + j, n), dz_pre), n);
    st(dbx + 2 * H + j, add(ld(dbx + 2 * H + j, n), dn_pre), n);
    st(dh + j, ftz(mul(dhv, z)), n);
  }
}

/* ---------------------------------------------------------------- one share of a job */

static i32 gates_of(i32 cell) { return cell == CELL_LSTM ? 4 : cell == CELL_GRU ? 3 : 1; }
static i32 act_width(i32 cell, i32 H) { return cell == CELL_LSTM ? 5 * H : cell == CELL_GRU ? 4 * H : 0; }

static void forward_share(const Job *job, i32 b0, i32 nb) {
  const i32 T = job->steps, B = job->rows, H = job->units, cell = job->cell;
  const i32 N = gates_of(cell) * H, A = act_width(cell, H);
  const i32 E = job->in_width;
  float *tmp = job->tmp + b0 * N;
  float *xtmp = job->in ? job->xtmp + b0 * N : 0;
  for (i32 k = 0; k < T; k++) {
    const i32 t = job->reverse ? T - 1 - k : k;
    const float *h_prev = job->h + (k * B + b0) * H;
    float *h_next = job->h + ((k + 1) * B + b0) * H;
    if (xtmp) gemm(nb, N, E, job->in + (t * B + b0) * E, E, job->w_ih, N, xtmp, N, INIT_BIAS, job->b_ih);
    gemm(nb, N, H, h_prev, H, job->w, N, tmp, N, INIT_BIAS, job->bias);
    for (i32 r = 0; r < nb; r++) {
      const i32 b = b0 + r;
      const float *x = xtmp ? xtmp + r * N : job->x + (t * B + b) * N;
      const float *hh = tmp + r * N;
      float *act = job->act + ((job->keep_act ? t * B : 0) + b) * A;
      const float *c_prev = cell == CELL_LSTM ? job->c + (k * B + b) * H : 0;
      float *c_next = cell == CELL_LSTM ? job->c + ((k + 1) * B + b) * H : 0;
      if (job->mask && job->mask[t * B + b] == 0.0f) {
        copy_floats(h_next + r * H, h_prev + r * H, H);
        if (c_next) copy_floats(c_next, c_prev, H);
        continue;
      }
      if (cell == CELL_RNN) rnn_forward_row(x, hh, h_next + r * H, H);
      else if (cell == CELL_LSTM) lstm_forward_row(x, hh, c_prev, h_next + r * H, c_next, act, H);
      else gru_forward_row(x, hh, h_prev + r * H, h_next + r * H, act, H);
    }
  }
}

/* Adds the weight-gradient contributions of processing steps [k0, k0 + count) for rows b0.. */
static void accumulate_dw(const Job *job, i32 b0, i32 nb, i32 k0, i32 count, float *dw, float *dw_ih) {
  const i32 T = job->steps, B = job->rows, H = job->units, N = gates_of(job->cell) * H, E = job->in_width;
  const i32 t0 = job->reverse ? T - 1 - k0 : k0;
  const i32 dir = job->reverse ? -1 : 1;
  const float *states = job->h + (k0 * B + b0) * H;
  gemm_tn(H, N, count, nb, states, B * H, H, job->dhh + (t0 * B + b0) * N, dir * B * N, N, dw, N);
  if (dw_ih) gemm_tn(E, N, count, nb, job->in + (t0 * B + b0) * E, dir * B * E, E, job->dx + (t0 * B + b0) * N, dir * B * N, N, dw_ih, N);
}

static void backward_share(const Job *job, i32 share, i32 b0, i32 nb) {
  const i32 T = job->steps, B = job->rows, H = job->units, cell = job->cell;
  const i32 N = gates_of(cell) * H, A = act_width(cell, H);
  float *dh = job->dh + b0 * H;
  float *dc = job->dc ? job->dc + b0 * H : 0;
  const i32 E = job->in_width;
  float *dw = job->dw + share * H * N;
  float *db = job->db + share * N;
  float *dbx = job->dbx ? job->dbx + share * N : 0;
  float *dw_ih = job->in ? job->dw_ih + share * E * N : 0;
  zero_floats(dw, H * N);
  zero_floats(db, N);
  if (dbx) zero_floats(dbx, N);
  if (dw_ih) zero_floats(dw_ih, E * N);
  if (job->dy_last) copy_floats(dh, job->dy_last + b0 * H, nb * H);
  else zero_floats(dh, nb * H);
  if (dc) zero_floats(dc, nb * H);
  i32 chunk_end = T; /* processing steps [k, chunk_end) still owe their weight gradient */
  for (i32 k = T - 1; k >= 0; k--) {
    const i32 t = job->reverse ? T - 1 - k : k;
    const float *dy = job->dy_seq ? job->dy_seq + (t * B + b0) * H : 0;
    for (i32 r = 0; r < nb; r++) {
      const i32 b = b0 + r;
      float *dh_row = dh + r * H;
      for (i32 j = 0; j < H; j += LANES) {
        i32 n = H - j;
        V v = ld(dh_row + j, n);
        if (dy) v = add(v, ld(dy + r * H + j, n));
        st(dh_row + j, ftz(v), n);
      }
      float *dx = job->dx + (t * B + b) * N;
      float *dhh = job->dhh + (t * B + b) * N;
      if (job->mask && job->mask[t * B + b] == 0.0f) {
        /* The state was carried: its gradient passes through unchanged and the cell gets none. */
        zero_floats(dx, N);
        if (dhh != dx) zero_floats(dhh, N);
        continue;
      }
      const float *act = job->act + (t * B + b) * A;
      if (cell == CELL_RNN) rnn_backward_row(job->h + ((k + 1) * B + b) * H, dh_row, dx, db, H);
      else if (cell == CELL_LSTM) lstm_backward_row(act, job->c + (k * B + b) * H, dh_row, dc + r * H, dx, db, H);
      else gru_backward_row(act, job->h + (k * B + b) * H, dh_row, dx, dhh, db, dbx, H);
    }
    /* dL/dh_prev += dhh·W_hh^T;  dL/din = dx·W_ih^T */
    gemm(nb, H, N, job->dhh + (t * B + b0) * N, N, job->wt, H, dh, H, ACCUMULATE, 0);
    if (job->in) gemm(nb, E, N, job->dx + (t * B + b0) * N, N, job->w_iht, E, job->din + (t * B + b0) * E, E, INIT_ZERO, 0);
    if (k == 0 || chunk_end - k == DW_CHUNK) {
      accumulate_dw(job, b0, nb, k, chunk_end - k, dw, dw_ih);
      chunk_end = k;
    }
  }
}

/* ---------------------------------------------------------------- entry points */

/*
 * Claims shares of the job of `epoch` until none is left and returns how many it ran; every
 * thread calls this for every job. `base` is the start of the memory the job's offsets point into.
 * The claim word holds epoch << 16 | next share, and a share is taken by compare-and-swap, so a
 * thread that wakes late for a finished job (whose struct the main thread is already refilling
 * for the next one, under a new epoch) can never take a share of a job it did not read.
 */
static i32 claim_and_run(char *base, JobInMemory *stored, i32 epoch) {
  (void)base;
  i32 ran = 0;
  for (;; ran++) {
    i32 claim = __atomic_load_n(&stored->next_share, __ATOMIC_SEQ_CST);
    if ((claim >> 16) != epoch) return ran;
    i32 share = claim & 0xffff;
    if (share >= stored->shares) return ran;
    if (!__atomic_compare_exchange_n(&stored->next_share, &claim, claim + 1, 0, __ATOMIC_SEQ_CST, __ATOMIC_SEQ_CST)) {
      ran--;
      continue;
    }
    RESOLVE(base, stored, job);
    i32 b0 = share * job->share_rows;
    i32 nb = job->rows - b0 < job->share_rows ? job->rows - b0 : job->share_rows;
    if (job->kind == JOB_FORWARD) forward_share(job, b0, nb);
    else backward_share(job, share, b0, nb);
    __atomic_fetch_add(&stored->done, 1, __ATOMIC_SEQ_CST);
  }
}

/* wt[N×H] = w[H×N]^T */
static void transpose_floats(const float *w, float *wt, i32 H, i32 N) {
  for (i32 i = 0; i < H; i++)
    for (i32 j = 0; j < N; j++) wt[j * H + i] = w[i * N + j];
}

/* parts[0] += parts[1] + … + parts[count−1], each `size` floats, added in order. */
static void add_parts(float *parts, i32 count, i32 size) {
  for (i32 p = 1; p < count; p++) {
    const float *src = parts + p * size;
    for (i32 j = 0; j < size; j += LANES) st(parts + j, add(ld(parts + j, size - j), ld(src + j, size - j)), size - j);
  }
}

#if defined(__wasm__)
/* The module's exports: arguments are byte offsets in the shared memory (= pointers). */
EXPORT(run_shares)
i32 run_shares(JobInMemory *job, i32 epoch) { return claim_and_run(0, job, epoch); }

EXPORT(transpose)
void transpose(const float *w, float *wt, i32 H, i32 N) { transpose_floats(w, wt, H, N); }

EXPORT(sum_parts)
void sum_parts(float *parts, i32 count, i32 size) { add_parts(parts, count, size); }
#endif

/** Numbers printed the way Python prints them, so mlspec's tables and labels read as scikit-learn's and the notebook's do. */

/**
 * `x` with `digits` decimals, rounded as Python's format(x, '.Nf'): correctly rounded from the
 * exact binary value, ties to even. (Number.prototype.toFixed breaks exact ties upwards, so
 * 0.125 would print as 0.13 where sklearn prints 0.12.)
 */
export function formatFixed(x: number, digits: number): string {
  if (!Number.isFinite(x)) return Number.isNaN(x) ? 'nan' : x > 0 ? 'inf' : '-inf';
  const negative = x < 0 || Object.is(x, -0);
  const { mantissa, exponent } = decompose(Math.abs(x));
  // |x| = mantissa · 2^exponent exactly; scale by 10^digits and round to an integer q.
  const scaled = mantissa * 10n ** BigInt(digits);
  let q: bigint;
  if (exponent >= 0) {
    q = scaled << BigInt(exponent);
  } else {
    const shift = BigInt(-exponent);
    q = scaled >> shift;
    const remainder = scaled - (q << shift);
    const half = 1n << (shift - 1n);
    if (remainder > half || (remainder === half && (q & 1n) === 1n)) q += 1n;
  }
  let s = q.toString().padStart(digits + 1, '0');
  if (digits > 0) s = s.slice(0, -digits) + '.' + s.slice(-digits);
  return (negative ? '-' : '') + s;
}

/** A finite non-negative double as an integer mantissa and a power of two. */
function decompose(x: number): { mantissa: bigint; exponent: number } {
  const view = new DataView(new ArrayBuffer(8));
  view.setFloat64(0, x);
  const bits = view.getBigUint64(0);
  const biased = Number((bits >> 52n) & 0x7ffn);
  const fraction = bits & ((1n << 52n) - 1n);
  if (biased === 0) return { mantissa: fraction, exponent: -1074 };
  return { mantissa: fraction | (1n << 52n), exponent: biased - 1075 };
}

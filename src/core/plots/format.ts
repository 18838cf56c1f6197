/**
 * Number formatting as the notebook's f-strings print it, so a label reads the same here as there.
 */

/**
 * Python's `f'{x:.{digits}f}'`. JavaScript's toFixed rounds an exact tie away from zero (22.5 → "23");
 * Python rounds it to even (22.5 → "22"). Both round the exact binary value, so they differ only on
 * exact ties, which this detects exactly.
 */
export function formatFixed(x: number, digits: number): string {
  if (Object.is(x, -0)) return `-${(0).toFixed(digits)}`;
  const js = x.toFixed(digits);
  if (!Number.isFinite(x) || !isExactTie(Math.abs(x), digits)) return js;
  const scaled = Math.abs(x) * 10 ** digits; // a tie is k + 0.5 with k < 2^52 here, so this is exact
  const down = Math.floor(scaled);
  const even = down % 2 === 0 ? down : down + 1;
  const text = (even / 10 ** digits).toFixed(digits);
  return x < 0 ? `-${text}` : text; // Python keeps the sign of a negative that rounds to zero: '-0'
}

// x is a tie at `digits` decimals when x·10^digits is exactly an integer plus one half. With
// x = m·2^e (m an odd integer), that holds iff e < 0 and m·10^digits ≡ 2^(-e-1) (mod 2^(-e)).
function isExactTie(x: number, digits: number): boolean {
  if (x === 0) return false;
  const { mantissa, exponent } = decompose(x);
  if (exponent >= 0) return false;
  const modulus = 1n << BigInt(-exponent);
  return (mantissa * 10n ** BigInt(digits)) % modulus === modulus >> 1n;
}

function decompose(x: number): { mantissa: bigint; exponent: number } {
  const view = new DataView(new ArrayBuffer(8));
  view.setFloat64(0, x);
  const bits = view.getBigUint64(0);
  const biased = Number((bits >> 52n) & 0x7ffn);
  let mantissa = bits & ((1n << 52n) - 1n);
  let exponent: number;
  if (biased === 0) exponent = -1074;
  else {
    mantissa |= 1n << 52n;
    exponent = biased - 1075;
  }
  while (mantissa > 0n && (mantissa & 1n) === 0n) {
    mantissa >>= 1n;
    exponent++;
  }
  return { mantissa, exponent };
}

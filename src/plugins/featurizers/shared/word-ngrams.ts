/**
 * Word n-grams exactly as scikit-learn's CountVectorizer._word_ngrams makes them: the tokens
 * themselves when max is 1; otherwise all n-grams for n = min..max, shortest first and left to
 * right, tokens joined by a single space. The order only matters for first-seen bookkeeping, but
 * keeping sklearn's makes the analyzer output comparable term by term.
 */

export type NgramRange = readonly [min: number, max: number];

/** Calls `emit` with every n-gram of `tokens`, in scikit-learn's order. */
export function forEachWordNgram(tokens: readonly string[], range: NgramRange, emit: (term: string) => void): void {
  const [minN, maxN] = range;
  const count = tokens.length;
  if (maxN === 1) {
    for (let i = 0; i < count; i++) emit(tokens[i]);
    return;
  }
  for (let n = minN; n <= maxN && n <= count; n++) {
    for (let i = 0; i + n <= count; i++) {
      let term = tokens[i];
      for (let k = 1; k < n; k++) term += ' ' + tokens[i + k];
      emit(term);
    }
  }
}

/** The n-grams of `tokens` as a list (what sklearn's `build_analyzer()` returns after tokenizing). */
export function wordNgrams(tokens: readonly string[], range: NgramRange): string[] {
  const out: string[] = [];
  forEachWordNgram(tokens, range, (term) => out.push(term));
  return out;
}

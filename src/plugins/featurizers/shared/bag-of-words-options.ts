/**
 * Options shared by the `counts` and `tfidf` featurizers: CountVectorizer's vocabulary options,
 * with its semantics. One schema and one check, so both plugins accept exactly the same thing.
 */
import { InputError, optionError } from '../../../core/errors';
import type { OptionProblem, OptionRule } from '../../../core/plugin';

export interface BagOfWordsOptions {
  ngramRange: [number, number];
  maxFeatures: number | null;
  minDf: number;
  maxDf: number;
  binary: boolean;
  vocabulary: string[] | null;
}

/** JSON Schema that reads "a document count (integer ≥ minCount) or a proportion in [0, 1]". */
function documentFrequencySchema(description: string, defaultValue: number, minCount: number) {
  return {
    description,
    default: defaultValue,
    anyOf: [
      { type: 'integer', minimum: minCount },
      { type: 'number', minimum: 0, maximum: 1 },
    ],
  };
}

export const bagOfWordsProperties = {
  ngramRange: {
    type: 'array',
    description: 'Smallest and largest n of the word n-grams, as [min, max] (scikit-learn ngram_range). Tokens are joined by one space.',
    items: { type: 'integer', minimum: 1 },
    minItems: 2,
    maxItems: 2,
    default: [1, 1],
  },
  maxFeatures: {
    description:
      'Keep only this many terms, those with the highest total count on the training documents (null: keep all). ' +
      'Ties at the cut go to the higher document frequency, then to the earlier term in code point order.',
    default: null,
    anyOf: [{ type: 'integer', minimum: 1 }, { type: 'null' }],
  },
  minDf: documentFrequencySchema(
    'Drop terms found in fewer training documents than this: an integer is a document count, a number below 1 a proportion of the documents (scikit-learn min_df; 1 means one document).',
    1,
    1,
  ),
  maxDf: documentFrequencySchema(
    'Drop terms found in more training documents than this: an integer from 2 up is a document count, a number in [0, 1] a proportion (scikit-learn max_df; YAML cannot tell 1 from 1.0, so 1 means 100%, the default).',
    1,
    2,
  ),
  binary: {
    type: 'boolean',
    description: 'Count each term at most once per document (scikit-learn binary). maxFeatures then ranks terms by document frequency.',
    default: false,
  },
  vocabulary: {
    description:
      'Use exactly these terms as the columns, in this order, instead of learning them (scikit-learn vocabulary). maxFeatures, minDf and maxDf must then keep their defaults.',
    default: null,
    anyOf: [{ type: 'array', items: { type: 'string' }, minItems: 1, uniqueItems: true }, { type: 'null' }],
  },
} as const;

/** Defaults of the options that select terms from the training documents. */
const SELECTION_DEFAULTS = { maxFeatures: null, minDf: 1, maxDf: 1 } as const;

/** A reversed `ngramRange` (every word n-gram featurizer: counts, tfidf, hashing). */
export function ngramRangeProblems([minN, maxN]: readonly [number, number], plugin: string): OptionProblem[] {
  if (minN <= maxN) return [];
  return [
    {
      code: 'NGRAM_RANGE_INVALID',
      option: 'ngramRange',
      message: `${plugin}: ngramRange [${minN}, ${maxN}] has its smallest n above its largest; write it as [${maxN}, ${minN}]`,
    },
  ];
}

/**
 * What the schema cannot say, as located problems: a rule the validator runs (`validate`, `plan`,
 * before `run`), and which `create` enforces too, so a plugin made in code fails before any work.
 */
export function bagOfWordsProblems(options: Readonly<BagOfWordsOptions>, plugin: string): OptionProblem[] {
  const problems = ngramRangeProblems(options.ngramRange, plugin);
  if (options.vocabulary === null) return problems;
  const seen = new Set<string>();
  for (const term of options.vocabulary) {
    if (seen.has(term))
      problems.push({ code: 'VOCABULARY_DUPLICATE', option: 'vocabulary', message: `${plugin}: the vocabulary lists "${term}" twice` });
    seen.add(term);
  }
  if (seen.size === 0) problems.push({ code: 'VOCABULARY_EMPTY', option: 'vocabulary', message: `${plugin}: the vocabulary is empty` });
  const learned = (['maxFeatures', 'minDf', 'maxDf'] as const).filter((key) => options[key] !== SELECTION_DEFAULTS[key]);
  if (learned.length > 0) {
    // scikit-learn silently ignores them; saying so is kinder than a vocabulary that is not what was asked.
    problems.push({
      code: 'VOCABULARY_CONFLICT',
      option: learned[0],
      message: `${plugin}: ${learned.join(', ')} select terms from the training documents, but a given vocabulary fixes the terms; remove ${learned.length > 1 ? 'them' : 'it'} or the vocabulary`,
    });
  }
  return problems;
}

/** The rule `counts` and `tfidf` declare. */
export function bagOfWordsRule(plugin: string): OptionRule<BagOfWordsOptions> {
  return ({ options }) => bagOfWordsProblems(options, plugin);
}

/** Throws the first problem of `bagOfWordsProblems`, located at its option. */
export function checkBagOfWordsOptions(options: Readonly<BagOfWordsOptions>, plugin: string): void {
  const [first] = bagOfWordsProblems(options, plugin);
  if (first) throw optionError(first.code, first.option ?? '', first.message);
}

/**
 * The document-count bounds of scikit-learn's fit: counts stay counts, proportions are multiplied
 * by the number of documents (not rounded, as in sklearn). maxDf 1 is read as the proportion 1.0.
 */
export function documentCountBounds(options: Readonly<BagOfWordsOptions>, documents: number): { min: number; max: number } {
  const min = Number.isInteger(options.minDf) && options.minDf >= 1 ? options.minDf : options.minDf * documents;
  const max = Number.isInteger(options.maxDf) && options.maxDf >= 2 ? options.maxDf : options.maxDf * documents;
  if (max < min) {
    throw new InputError(
      'DOCUMENT_FREQUENCY_RANGE',
      `maxDf ${options.maxDf} allows at most ${max} of the ${documents} training documents, fewer than the ${min} minDf ${options.minDf} requires (scikit-learn: "max_df corresponds to < documents than min_df")`,
    );
  }
  return { min, max };
}

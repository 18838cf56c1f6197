/** Every built-in plugin. Adding a plugin: one folder under src/plugins plus one line here. */
import type { PluginDefinition } from '../core/plugin';
import csv from './datasets/csv';
import tsv from './datasets/tsv';
import stratifiedHoldout from './splits/stratified-holdout';
import stratifiedKfold from './splits/stratified-kfold';
import chars from './tokenizers/chars';
import words from './tokenizers/words';
import counts from './featurizers/counts';
import tfidf from './featurizers/tfidf';
import logisticRegression from './models/logistic-regression';

export const builtinPlugins: readonly PluginDefinition[] = [
  tsv,
  csv,
  stratifiedHoldout,
  stratifiedKfold,
  words,
  chars,
  counts,
  tfidf,
  logisticRegression,
];

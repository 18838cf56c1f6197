/** Every built-in plugin. Adding a plugin: one folder under src/plugins plus one line here. */
import type { PluginDefinition } from '../core/plugin';
import csv from './datasets/csv';
import jsonl from './datasets/jsonl';
import tsv from './datasets/tsv';
import stratifiedHoldout from './splits/stratified-holdout';
import stratifiedKfold from './splits/stratified-kfold';
import chars from './tokenizers/chars';
import words from './tokenizers/words';
import counts from './featurizers/counts';
import hashing from './featurizers/hashing';
import indexSequence from './featurizers/index-sequence';
import tfidf from './featurizers/tfidf';
import gru from './models/gru';
import logisticRegression from './models/logistic-regression';
import lstm from './models/lstm';
import simpleRnn from './models/simple-rnn';
import dropout from './regularizers/dropout';
import earlyStopping from './regularizers/early-stopping';
import gradientClipping from './regularizers/gradient-clipping';
import l2 from './regularizers/l2';
import lrSchedule from './regularizers/lr-schedule';
import weightDecay from './regularizers/weight-decay';

export const builtinPlugins: readonly PluginDefinition[] = [
  tsv,
  csv,
  jsonl,
  stratifiedHoldout,
  stratifiedKfold,
  words,
  chars,
  counts,
  tfidf,
  hashing,
  indexSequence,
  logisticRegression,
  simpleRnn,
  lstm,
  gru,
  dropout,
  weightDecay,
  l2,
  earlyStopping,
  gradientClipping,
  lrSchedule,
];

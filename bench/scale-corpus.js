'use strict';
/**
 * Deterministic corpora for the scale benchmark: every row of data/ArSenTD-LEV.tsv (all
 * countries) repeated until `rows`, each copy's words in a shuffled order (seeded), so n-gram
 * statistics grow with the corpus as they would on real data instead of repeating exactly.
 * Written as pandas writes a TSV: a field holding a quote, tab or newline is quoted, quotes doubled.
 */
const fs = require('node:fs');
const path = require('node:path');

/** mulberry32: a small seeded generator; the corpus depends only on the seed. */
function generator(seed) {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

function quoted(field) {
  return /["\t\n\r]/.test(field) ? `"${field.replace(/"/g, '""')}"` : field;
}

/** Writes `rows` data rows (plus the header) to `file`; returns the file. */
function writeCorpus(root, file, rows, seed = 42) {
  const { readDelimited } = require(path.join(root, 'dist/plugins/datasets/shared/delimited-dataset'));
  const table = readDelimited(path.join(root, 'data/ArSenTD-LEV.tsv'), '\t');
  const t = table.header.indexOf('Tweet');
  const s = table.header.indexOf('Sentiment');
  const random = generator(seed);
  const fd = fs.openSync(file, 'w');
  let buffer = 'Tweet\tSentiment\n';
  for (let r = 0; r < rows; r++) {
    const source = table.rows[r % table.rows.length];
    const words = source[t].split(/\s+/).filter((w) => w.length > 0);
    for (let i = words.length - 1; i > 0; i--) {
      const j = Math.floor(random() * (i + 1));
      const w = words[i];
      words[i] = words[j];
      words[j] = w;
    }
    buffer += `${quoted(words.join(' '))}\t${source[s]}\n`;
    if (buffer.length > 1 << 20) {
      fs.writeSync(fd, buffer);
      buffer = '';
    }
  }
  fs.writeSync(fd, buffer);
  fs.closeSync(fd);
  return file;
}

module.exports = { writeCorpus };

/**
 * Word indices of the structs the JavaScript side shares with fused-rnn.c. Every field is one
 * 32-bit word (pointers are wasm32 byte offsets).
 */

/** The `Job` struct: what to run and where its buffers are. */
export const JOB = {
  kind: 0,
  cell: 1,
  steps: 2,
  rows: 3,
  units: 4,
  reverse: 5,
  shareRows: 6,
  shares: 7,
  /** Claim word: epoch << 16 | next share; only changed atomically. */
  nextShare: 8,
  /** Shares finished; only changed atomically. */
  done: 9,
  x: 10,
  w: 11,
  wt: 12,
  bias: 13,
  mask: 14,
  h: 15,
  c: 16,
  act: 17,
  tmp: 18,
  dySeq: 19,
  dyLast: 20,
  dx: 21,
  dhh: 22,
  dh: 23,
  dc: 24,
  dw: 25,
  db: 26,
  dbx: 27,
  inWidth: 28,
  in: 29,
  wIh: 30,
  wIht: 31,
  bIh: 32,
  xtmp: 33,
  din: 34,
  dwIh: 35,
  keepAct: 36,
  words: 37,
} as const;

export type JobField = Exclude<keyof typeof JOB, 'words' | 'nextShare' | 'done'>;

/** Values for a job's fields; absent ones are 0 (null pointers). */
export type JobFields = Partial<Record<JobField, number>>;

export const JOB_KIND = { forward: 0, backward: 1 } as const;

export const CELL_CODE = { rnn: 0, lstm: 1, gru: 2 } as const;

/** The control block the helper threads sleep on. */
export const CONTROL = {
  /** The epoch of the newest job; helpers wait for it to change. */
  seq: 0,
  /** Non-zero: helpers exit. */
  stop: 1,
  /** Non-zero: a helper failed. */
  error: 2,
  words: 4,
} as const;

/** Epochs live in the claim word's upper 15 bits; share numbers in the lower 16. */
export const EPOCH_MASK = 0x7fff;
export const CLOSED_SHARE = 0xffff;

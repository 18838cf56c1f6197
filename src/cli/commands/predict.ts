/** `mlspec predict <model> <input>`: the label and class probabilities of each text (core/model/predict.ts). */
import { TOKENS } from '../../core/container';
import { EXIT_OK } from '../../core/errors';
import type { Logger } from '../../core/plugin';
import { DEFAULT_BATCH_SIZE, predict, type InputFormat } from '../../core/model/predict';
import { defineCommand, QUIET_FLAG } from '../command';
import { BACKEND_FLAG, backendFlag, MODEL_ARG_HELP, positiveInteger, TRACKING_URI_FLAG } from '../flag-values';

export const predictCommand = defineCommand({
  name: 'predict',
  summary: 'label and class probabilities of each text of a file, with a trained model',
  args: '<model> <input>',
  positionals: { min: 2, max: 2 },
  positionalsHelp: 'takes a model and an input file (.tsv, .csv, .jsonl, or - for one text per line on stdin)',
  flags: {
    output: { type: 'string', value: 'FILE', help: 'write the predictions to FILE (default stdout), in the input’s format' },
    column: { type: 'string', value: 'NAME', help: "the input's text column (default the model's, its spec's data.text)" },
    format: { type: 'string', value: 'FORMAT', help: 'tsv, csv, jsonl or lines (default from the extension; - is lines)' },
    'batch-size': { type: 'string', value: 'N', help: `texts scored at once (default ${DEFAULT_BATCH_SIZE})` },
    backend: BACKEND_FLAG,
    'tracking-uri': TRACKING_URI_FLAG,
    quiet: QUIET_FLAG,
  },
  example: 'mlspec predict runs:/<run id>/model tweets.tsv --output predictions.tsv',
  details: `${MODEL_ARG_HELP}\nThe output keeps every input column and adds label and proba_<class> per class.`,
  inject: [TOKENS.logger],
  create:
    (logger: Logger) =>
    async ({ positionals: [model, input], flags }) => {
      const { rows } = await predict({
        model,
        input,
        output: flags.output,
        column: flags.column,
        format: flags.format as InputFormat | undefined,
        batchSize: positiveInteger('batch-size', flags['batch-size'], DEFAULT_BATCH_SIZE, 1_000_000),
        backend: backendFlag(flags.backend),
        trackingUri: flags['tracking-uri'],
        logger,
      });
      if (flags.output !== undefined) logger.info(`predict: ${rows} texts → ${flags.output}`);
      return EXIT_OK;
    },
});

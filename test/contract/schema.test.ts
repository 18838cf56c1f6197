/** The committed editor schema is the generated one, and every experiment file points editors at it. */
import Ajv from 'ajv';
import { readFileSync, readdirSync, statSync } from 'node:fs';
import path from 'node:path';
import { parse } from 'yaml';
import { createContainer, services } from '../../src/core/container';
import { silentLogger } from '../../src/core/logger';
import { generateExperimentSchema } from '../../src/core/spec/schema';
import { trainingOptionsSchema } from '../../src/core/train/options';

const REPO = path.resolve(__dirname, '../..');
const committedPath = path.join(REPO, 'schemas/experiment.schema.json');

function experimentFiles(dir = path.join(REPO, 'experiments')): string[] {
  return readdirSync(dir).flatMap((f) => {
    const p = path.join(dir, f);
    return statSync(p).isDirectory() ? experimentFiles(p) : p.endsWith('.yaml') ? [p] : [];
  });
}

describe('schemas/experiment.schema.json', () => {
  const generated = generateExperimentSchema(services(createContainer({ logger: silentLogger })).registry, trainingOptionsSchema);

  it('is up to date (regenerate with `npm run schema`)', () => {
    expect(JSON.parse(readFileSync(committedPath, 'utf8'))).toEqual(generated);
  });

  it.each(experimentFiles().map((f) => [path.relative(REPO, f)]))(
    '%s starts with the yaml-language-server line and satisfies the editor schema',
    (file) => {
      const full = path.join(REPO, file);
      const text = readFileSync(full, 'utf8');
      const first = text.split('\n')[0];
      const match = /^# yaml-language-server: \$schema=(.+)$/.exec(first);
      expect(match).not.toBeNull();
      expect(path.resolve(path.dirname(full), match![1])).toBe(committedPath);
      const ajv = new Ajv({ allErrors: true, strict: false });
      const valid = ajv.validate(generated, parse(text, { merge: true }));
      expect(ajv.errors ?? []).toEqual([]);
      expect(valid).toBe(true);
    },
  );
});

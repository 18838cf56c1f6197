/**
 * A spec file as text plus its YAML syntax tree, so any JSON path into the spec can be mapped back
 * to `line:col` and shown with a source frame.
 */
import { isAlias, isMap, isPair, isScalar, isSeq, LineCounter, parseDocument, visit, type Document, type Node } from 'yaml';
import type { SourceLocation, SpecProblem } from '../errors';

export interface SpecSource {
  file: string;
  text: string;
  document: Document.Parsed;
  lines: LineCounter;
}

export function parseSpecSource(file: string, text: string): { source: SpecSource; problems: SpecProblem[] } {
  const lines = new LineCounter();
  // merge: YAML's `<<: *anchor` merge keys, which spec authors use to share a pipeline's blocks.
  const document = parseDocument(text, { lineCounter: lines, prettyErrors: false, uniqueKeys: true, merge: true });
  const source: SpecSource = { file, text, document, lines };
  const problems = document.errors.map((e) => {
    const offset = e.pos[0];
    if (e.code === 'MULTIPLE_DOCS') {
      return problemAt(
        source,
        offset,
        'YAML_MULTIPLE_DOCS',
        'a spec file holds one YAML document, but a second one starts here; remove this `---` and what follows, or put it in its own file (mlspec validate a.yaml b.yaml checks several)',
      );
    }
    return problemAt(source, offset, `YAML_${e.code}`, firstLine(e.message));
  });
  if (!problems.length) problems.push(...aliasProblems(source));
  return { source, problems };
}

/** Aliases a spec may expand: enough to share blocks, far too few for an alias bomb. */
export const MAX_ALIAS_COUNT = 100;

/**
 * What the YAML parser accepts but cannot turn into values: an alias naming no anchor (also as a
 * `<<:` merge source), a merge source that is not a mapping, and expansions past MAX_ALIAS_COUNT.
 */
function aliasProblems(source: SpecSource): SpecProblem[] {
  const problems: SpecProblem[] = [];
  const { document } = source;
  visit(document, {
    Alias(_, alias) {
      if (alias.resolve(document)) return;
      problems.push(
        problemAt(
          source,
          alias.range?.[0] ?? 0,
          'YAML_ALIAS_UNDEFINED',
          `alias *${alias.source} names no anchor; define &${alias.source} on an earlier value, or write the value out here`,
        ),
      );
    },
    Pair(_, pair) {
      // With `merge: true` the parser gives a merge key the value Symbol(<<); its source stays "<<".
      if (!isScalar(pair.key) || pair.key.source !== '<<') return;
      const sources = isSeq(pair.value) ? pair.value.items : [pair.value];
      for (const node of sources) {
        const target = isAlias(node) ? node.resolve(document) : node;
        if (target === undefined || isMap(target)) continue;
        const at = (node as Node | null)?.range?.[0] ?? pair.key.range?.[0] ?? 0;
        problems.push(
          problemAt(
            source,
            at,
            'YAML_MERGE_INVALID',
            '`<<:` merges a mapping into this one, but this is not a mapping; give it an alias of a mapping (`<<: *shared`)',
          ),
        );
      }
    },
  });
  if (problems.length) return problems;
  try {
    document.toJS({ maxAliasCount: MAX_ALIAS_COUNT });
  } catch (error) {
    const message = (error as Error).message;
    if (!/alias count/i.test(message)) return [problemAt(source, 0, 'YAML_INVALID', firstLine(message))];
    let first = 0;
    visit(document, {
      Alias(_, alias) {
        first = alias.range?.[0] ?? 0;
        return visit.BREAK;
      },
    });
    problems.push(
      problemAt(
        source,
        first,
        'YAML_ALIAS_LIMIT',
        `the spec's aliases expand to more than ${MAX_ALIAS_COUNT} copies (nested aliases multiply); write the shared values out, or alias fewer times`,
      ),
    );
  }
  return problems;
}

function firstLine(message: string): string {
  return message.split('\n')[0].replace(/ at line \d+, column \d+:?$/, '');
}

export function locationOf(source: SpecSource, offset: number): SourceLocation {
  const { line, col } = source.lines.linePos(Math.max(0, Math.min(offset, source.text.length)));
  return { file: source.file, line, col };
}

export function problemAt(source: SpecSource, offset: number, code: string, message: string): SpecProblem {
  const location = locationOf(source, offset);
  return { code, message, location, frame: sourceFrame(source.text, location.line, location.col) };
}

/** The line before, the line itself, and a caret under the column. */
export function sourceFrame(text: string, line: number, col: number): string {
  const all = text.split(/\r?\n/);
  const width = String(line + 1).length;
  const out: string[] = [];
  for (let n = Math.max(1, line - 1); n <= Math.min(all.length, line); n++) {
    out.push(`${n === line ? '>' : ' '} ${String(n).padStart(width)} | ${all[n - 1]}`);
  }
  out.push(`  ${' '.repeat(width)} | ${' '.repeat(Math.max(0, col - 1))}^`);
  return out.join('\n');
}

export type PathSegment = string | number;

/**
 * The offset of the node at `path` (or of its key, when `at` is "key"). When the path leads to a
 * missing key, the nearest existing ancestor is used, so the caret points at the mapping that lacks it.
 */
export function offsetOf(source: SpecSource, path: readonly PathSegment[], at: 'key' | 'value' = 'value'): number {
  let node: unknown = source.document.contents;
  let offset = rangeStart(node) ?? 0;
  for (let i = 0; i < path.length; i++) {
    const segment = path[i];
    const last = i === path.length - 1;
    if (isMap(node)) {
      const pair = node.items.find((p) => isPair(p) && isScalar(p.key) && String(p.key.value) === String(segment));
      if (!pair) return offset;
      if (last && at === 'key') return rangeStart(pair.key) ?? offset;
      node = pair.value;
      offset = rangeStart(node) ?? rangeStart(pair.key) ?? offset;
    } else if (isSeq(node)) {
      const item = node.items[Number(segment)];
      if (item === undefined) return offset;
      node = item;
      offset = rangeStart(node) ?? offset;
    } else {
      return offset;
    }
  }
  return offset;
}

function rangeStart(node: unknown): number | undefined {
  const range = (node as Node | null | undefined)?.range;
  return range ? range[0] : undefined;
}

/** Parse an ajv-style JSON pointer ("/pipelines/a~1b/model") into path segments. */
export function pointerToPath(pointer: string): string[] {
  if (!pointer) return [];
  return pointer
    .slice(1)
    .split('/')
    .map((s) => s.replace(/~1/g, '/').replace(/~0/g, '~'));
}

/** What the YAML parser accepts but cannot turn into values is a located problem, not a stack trace. */
import { MAX_ALIAS_COUNT, parseSpecSource } from './source';

const problems = (text: string) => parseSpecSource('s.yaml', text).problems.map((p) => `${p.location.line}:${p.location.col} ${p.code}`);

describe('YAML aliases and merges in a spec', () => {
  it('accepts anchors, aliases and `<<:` merges of mappings', () => {
    expect(problems('shared: &s { type: words }\na:\n  <<: *s\n  extra: 1\nb: *s\n')).toEqual([]);
    expect(problems('x: &x { a: 1 }\ny: &y { b: 2 }\nz:\n  <<: [*x, *y]\n')).toEqual([]);
  });

  it('locates an alias that names no anchor, also as a merge source', () => {
    expect(problems('a: 1\nb: *nothing\n')).toEqual(['2:4 YAML_ALIAS_UNDEFINED']);
    expect(problems('a:\n  <<: *nothing\n  b: 1\n')).toEqual(['2:7 YAML_ALIAS_UNDEFINED']);
  });

  it('locates a merge whose source is not a mapping', () => {
    expect(problems('list: &l [1, 2]\na:\n  <<: *l\n')).toEqual(['3:7 YAML_MERGE_INVALID']);
  });

  it(`accepts ordinary sharing and refuses an expansion past ${MAX_ALIAS_COUNT} copies (an alias bomb) at its first alias`, () => {
    const many = Array.from({ length: 40 }, (_, i) => `k${i}: *a\n`).join('');
    expect(problems(`v: &a [1, 2]\n${many}`)).toEqual([]);
    const bomb =
      'a: &a [x, x, x, x, x]\nb: &b [*a, *a, *a, *a, *a]\nc: &c [*b, *b, *b, *b, *b]\nd: &d [*c, *c, *c, *c, *c]\ne: [*d, *d, *d, *d, *d]\n';
    expect(problems(bomb)).toEqual(['2:8 YAML_ALIAS_LIMIT']);
  });

  it('says a second document is not part of a spec, at its `---`', () => {
    const [problem] = parseSpecSource('s.yaml', 'a: 1\n---\nb: 2\n').problems;
    expect(`${problem.location.line}:${problem.location.col} ${problem.code} ${problem.message}`).toBe(
      '2:1 YAML_MULTIPLE_DOCS a spec file holds one YAML document, but a second one starts here; remove this `---` and what follows, or put it in its own file (mlspec validate a.yaml b.yaml checks several)',
    );
  });
});

import { parseModelReference } from './open-model';

describe('parseModelReference', () => {
  it('reads every form a model is named by', () => {
    expect(parseModelReference('saved/bow')).toEqual({ kind: 'folder', folder: 'saved/bow' });
    expect(parseModelReference('runs:/0123456789abcdef0123456789abcdef/model')).toEqual({
      kind: 'run',
      runId: '0123456789abcdef0123456789abcdef',
      artifactPath: 'model',
    });
    expect(parseModelReference('models:/tweets/3')).toEqual({ kind: 'version', name: 'tweets', version: 3 });
    expect(parseModelReference('models:/tweets/latest')).toEqual({ kind: 'version', name: 'tweets', latest: true });
    expect(parseModelReference('models:/tweets@champion')).toEqual({ kind: 'version', name: 'tweets', alias: 'champion' });
    expect(parseModelReference('models:/m-0123456789abcdef0123456789abcdef')).toEqual({
      kind: 'logged',
      modelId: 'm-0123456789abcdef0123456789abcdef',
    });
  });

  it('refuses malformed URIs with what to give instead', () => {
    expect(() => parseModelReference('models:/tweets/one')).toThrow(/version "one", which is not a number.*models:\/<name>@<alias>/);
    expect(() => parseModelReference('runs:/abc')).toThrow(/MODEL_URI_INVALID|is not runs:\/<run id>\/<path>/);
    expect(() => parseModelReference('s3://bucket/model')).toThrow(/scheme mlspec does not read/);
  });
});

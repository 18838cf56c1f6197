/**
 * Artifact locations on this machine. MLflow gives a run an artifact URI from its experiment's
 * artifact_location: a plain path (what MLflow's SQL store and `--default-artifact-root /path`
 * give), a `file:` URI (the file store), or a remote scheme (`mlflow-artifacts:`, `s3:` …) that
 * only a server or a cloud client can write. The file and SQLite stores write the local ones
 * directly, as MLflow's own client does.
 */
import * as path from 'path';
import { fileURLToPath } from 'url';
import { copyFileAtomic, writeFileAtomic } from './atomic-files';
import { artifactRelPath } from './records';
import type { ArtifactSource } from './tracker';

/** The folder a local artifact URI names; undefined for a URI only a server or cloud client can write. */
export function localArtifactFolder(uri: string): string | undefined {
  if (/^file:/i.test(uri)) return uri.startsWith('file://') ? fileURLToPath(uri) : path.resolve(uri.slice('file:'.length));
  // A Windows drive letter looks like a scheme; anything else with a scheme is remote.
  if (!/^[a-z][a-z0-9+.-]*:/i.test(uri) || /^[a-z]:[\\/]/i.test(uri)) return path.resolve(uri);
  return undefined;
}

/** Stores `source` at `artifactPath` under `root`; the file appears whole or not at all. */
export function writeLocalArtifact(root: string, source: ArtifactSource, artifactPath: string, tempDir?: string): void {
  const target = path.join(root, ...artifactRelPath(artifactPath).split('/'));
  if ('file' in source) copyFileAtomic(source.file, target, tempDir ?? path.dirname(target));
  else writeFileAtomic(target, source.bytes, tempDir ?? path.dirname(target));
}

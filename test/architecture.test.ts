import { readdirSync, readFileSync } from 'node:fs';
import { join, relative, resolve } from 'node:path';
import { describe, expect, it } from 'vitest';

// Data flows one way (shared STYLE.md): handlers → pipeline/serve → ingest/publish → model.
// A module may import only from the layers listed for it (and from itself).
const ALLOWED: Record<string, readonly string[]> = {
  model: [],
  platform: [],
  sample: [],
  ingest: ['model', 'platform'],
  publish: ['model', 'ingest', 'platform'],
  pipeline: ['model', 'ingest', 'publish', 'platform'],
  serve: ['model', 'publish', 'platform'],
  handlers: ['model', 'ingest', 'publish', 'pipeline', 'serve', 'platform'],
};

const root = resolve('lambdas');

function sourceFiles(dir: string): string[] {
  return readdirSync(dir, { withFileTypes: true }).flatMap((e) =>
    e.isDirectory() ? sourceFiles(join(dir, e.name)) : e.name.endsWith('.ts') ? [join(dir, e.name)] : [],
  );
}

function imports(file: string): string[] {
  const text = readFileSync(file, 'utf8');
  return [...text.matchAll(/(?:^|\n)\s*(?:import|export)[^'"]*?from\s+['"]([^'"]+)['"]/g)].map(
    (m) => m[1] as string,
  );
}

describe('import direction', () => {
  const files = sourceFiles(root);

  it('finds the layers it checks', () => {
    const layers = new Set(files.map((f) => relative(root, f).split('/')[0]));
    expect([...layers].sort()).toEqual(Object.keys(ALLOWED).sort());
    // The import scanner itself works: the pipeline's compute stages import from every layer below it.
    const pipelineImports = imports(join(root, 'pipeline', 'stages.ts'));
    expect(pipelineImports).toEqual(expect.arrayContaining(['../model/churn.js', '../publish/types.js']));
  });

  it.each(Object.keys(ALLOWED))('%s imports only from the layers below it', (layer) => {
    const offending: string[] = [];
    for (const file of files.filter((f) => relative(root, f).startsWith(`${layer}/`))) {
      for (const spec of imports(file).filter((s) => s.startsWith('.'))) {
        const target = relative(root, resolve(join(file, '..'), spec)).split('/')[0] as string;
        if (target !== layer && !ALLOWED[layer]?.includes(target))
          offending.push(`${relative(root, file)} → ${spec}`);
      }
    }
    expect(offending).toEqual([]);
  });

  it('keeps the model pure: no Node built-ins, SDK or other packages', () => {
    const offending = files
      .filter((f) => relative(root, f).startsWith('model/'))
      .flatMap((f) =>
        imports(f)
          .filter((s) => !s.startsWith('.'))
          .map((s) => `${relative(root, f)} → ${s}`),
      );
    expect(offending).toEqual([]);
  });
});

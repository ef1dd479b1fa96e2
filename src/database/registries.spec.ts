import { readdirSync, readFileSync } from 'node:fs';
import path from 'node:path';
import { MIGRATIONS } from '../../migrations/index.js';
import { ENTITIES } from './entities/index.js';

const root = path.resolve(import.meta.dirname, '..', '..');

function filesUnder(dir: string, suffix: string): string[] {
  return readdirSync(dir, { recursive: true, encoding: 'utf8' })
    .filter((file) => file.endsWith(suffix))
    .map((file) => path.join(dir, file));
}

describe('entity and migration registries', () => {
  it('list every migration file, oldest first, with names <epoch-ms>-PascalVerbPhrase.ts', () => {
    const files = readdirSync(path.join(root, 'migrations')).filter((f) => f !== 'index.ts' && f.endsWith('.ts'));
    for (const file of files) expect(file).toMatch(/^\d{13}-[A-Z][A-Za-z0-9]+\.ts$/);
    const expected = files.sort().map((file) => {
      const [stamp, name] = file.replace(/\.ts$/, '').split('-');
      return `${name}${stamp}`;
    });
    expect(MIGRATIONS.map((migration) => migration.name)).toEqual(expected);
  });

  it('list every *.entity.ts class', () => {
    const declared = filesUnder(path.join(root, 'src'), '.entity.ts').flatMap((file) =>
      [...readFileSync(file, 'utf8').matchAll(/@Entity\([\s\S]*?export class (\w+)/g)].map((m) => m[1]),
    );
    expect(ENTITIES.map((entity) => entity.name).sort()).toEqual(declared.sort());
  });
});

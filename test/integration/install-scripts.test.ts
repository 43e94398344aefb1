// `npm install` runs a dependency's install script only when package.json's allowScripts approves
// it: npm 11.16+ prints a warning for each one that is not, and npm 12 skips it, which leaves
// better-sqlite3 without its native binding and `npm start` failing on the README's first command.
import fs from 'node:fs';
import path from 'node:path';
import { describe, expect, it } from 'vitest';

const ROOT = path.resolve(import.meta.dirname, '../..');
const read = (file: string) => JSON.parse(fs.readFileSync(path.join(ROOT, file), 'utf8'));

describe('install scripts', () => {
  it('approves in package.json every dependency of the lockfile that has an install script', () => {
    const lock = read('package-lock.json') as { packages: Record<string, { hasInstallScript?: boolean; name?: string }> };
    const withScripts = new Set(
      Object.entries(lock.packages)
        .filter(([, entry]) => entry.hasInstallScript)
        .map(([where, entry]) => entry.name ?? where.slice(where.lastIndexOf('node_modules/') + 'node_modules/'.length)),
    );
    expect(withScripts.size).toBeGreaterThan(0);
    const allowed = (read('package.json') as { allowScripts?: Record<string, boolean> }).allowScripts ?? {};
    const approved = new Set(Object.entries(allowed).filter(([, yes]) => yes === true).map(([name]) => name.replace(/(.)@.*$/, '$1')));
    expect([...withScripts].filter((name) => !approved.has(name)).sort()).toEqual([]);
  });
});

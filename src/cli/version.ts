import { existsSync, readFileSync } from 'node:fs';
import { dirname } from 'node:path';
import { fileURLToPath } from 'node:url';

/** The checkout or installed package this code runs from (works from src/ under tsx and from dist/). */
export function packageRoot(): string {
  for (const rel of ['../../package.json', '../../../package.json']) {
    const path = fileURLToPath(new URL(rel, import.meta.url));
    if (!existsSync(path)) continue;
    try {
      const pkg = JSON.parse(readFileSync(path, 'utf8')) as { name?: string };
      if (pkg.name === 'fleetboot') return dirname(path);
    } catch {
      // try the next location
    }
  }
  throw new Error('cannot find fleetboot package.json above ' + fileURLToPath(import.meta.url));
}

export function version(): string {
  const pkg = JSON.parse(readFileSync(`${packageRoot()}/package.json`, 'utf8')) as { version?: string };
  return pkg.version ?? 'unknown';
}

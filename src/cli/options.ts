// Option helpers shared by the commands.

import { existsSync } from 'node:fs';
import { OptionsError } from '../core/errors.js';

/**
 * -i as ansible: repeatable; a value with a comma is a host list (`-i 'h1,h2,'`); default
 * $ANSIBLE_INVENTORY (comma-separated sources), else ./inventory when it exists.
 */
export function inventorySources(value: string[] | string | undefined, env: NodeJS.ProcessEnv = process.env): string[] {
  const given = (Array.isArray(value) ? value : value ? [value] : []).filter(Boolean);
  if (given.length > 0) return given;
  if (env.ANSIBLE_INVENTORY) return env.ANSIBLE_INVENTORY.split(',').filter(Boolean);
  if (existsSync('inventory')) return ['inventory'];
  throw new OptionsError('no inventory: give one with -i INVENTORY (a file or a directory)');
}

export function positiveInt(name: string, value: unknown): number {
  const n = Number(value);
  if (!Number.isInteger(n) || n < 1) throw new OptionsError(`${name}: must be a whole number of 1 or more, got '${String(value)}'`);
  return n;
}

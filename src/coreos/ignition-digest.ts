// Ignition config digests in the `<type>-<hex>` form that Ignition's `verification.hash` and
// coreos-installer's `--ignition-hash` take. Parsing follows coreos-installer (src/io/hash.rs,
// `IgnitionHash::from_str`, v0.26.0 @ bee45001): split at the first `-`; type `sha256` or
// `sha512`; the rest hex of exactly that digest's length. Messages are coreos-installer's.

import { createHash } from 'node:crypto';

export type IgnitionHashType = 'sha256' | 'sha512';

export interface IgnitionHash {
  type: IgnitionHashType;
  /** Lower-case hex. */
  hex: string;
}

const BITS: Record<IgnitionHashType, number> = { sha256: 256, sha512: 512 };

/** `sha512-<hex>` of the bytes, as served: the value for `--ignition-hash`. */
export function ignitionDigest(data: Buffer | string, type: IgnitionHashType = 'sha512'): string {
  return `${type}-${createHash(type).update(data).digest('hex')}`;
}

export class IgnitionHashError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'IgnitionHashError';
  }
}

/** Parses a `--ignition-hash` value; throws with coreos-installer's wording when it would refuse it. */
export function parseIgnitionHash(input: string): IgnitionHash {
  const dash = input.indexOf('-');
  if (dash < 0) throw new IgnitionHashError(`failed to detect hash-type and digest in '${input}'`);
  const kind = input.slice(0, dash);
  const hex = input.slice(dash + 1);
  if (kind !== 'sha256' && kind !== 'sha512') throw new IgnitionHashError(`unknown hash type '${kind}'`);
  // hex::decode: even length, hex digits of either case.
  if (hex.length % 2 !== 0 || !/^[0-9a-fA-F]*$/.test(hex)) {
    throw new IgnitionHashError(`decoding hex digest: '${hex}' is not hexadecimal`);
  }
  const bits = (hex.length / 2) * 8;
  if (bits !== BITS[kind]) throw new IgnitionHashError(`wrong digest length (${bits})`);
  return { type: kind, hex: hex.toLowerCase() };
}

export function formatIgnitionHash(hash: IgnitionHash): string {
  return `${hash.type}-${hash.hex}`;
}

/**
 * Whether `data` has the digest `expected` names. On a mismatch the message is the one
 * coreos-installer prints (`hash mismatch, computed '<hex>' but expected '<hex>'`).
 */
export function checkIgnitionHash(data: Buffer | string, expected: string | IgnitionHash): { ok: true } | { ok: false; message: string } {
  const want = typeof expected === 'string' ? parseIgnitionHash(expected) : expected;
  const computed = createHash(want.type).update(data).digest('hex');
  if (computed === want.hex) return { ok: true };
  return { ok: false, message: `hash mismatch, computed '${computed}' but expected '${want.hex}'` };
}

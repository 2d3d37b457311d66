// Artifact URLs are `/a/<token>/<name>`. Only the token selects what is served; nothing from the
// URL reaches the file system, so there is no path to traverse. Pure.

import { randomBytes } from 'node:crypto';

/** 24 random bytes: 192 bits, 32 base64url characters. */
const TOKEN_BYTES = 24;
const TOKEN = /^[A-Za-z0-9_-]{32}$/;
/** A published name: one safe path segment a BMC will show and may check the suffix of. */
const NAME = /^[A-Za-z0-9][A-Za-z0-9._+-]{0,199}$/;
/** Anything that might be a token (or a guess at one) is not repeated into events. */
const TOKEN_LIKE = /[A-Za-z0-9_-]{16,}/g;

export function newToken(): string {
  return randomBytes(TOKEN_BYTES).toString('base64url');
}

/** Why a name cannot be published, or undefined when it can. */
export function checkName(name: string): string | undefined {
  if (!NAME.test(name)) return `artifact name ${JSON.stringify(name)} must be one path segment of letters, digits, '.', '_', '+' or '-' (up to 200), starting with a letter or digit`;
  return undefined;
}

export interface ArtifactPath {
  token: string;
  name: string;
}

/** The token and name of a request target, or undefined when it is not an artifact URL. */
export function parseArtifactPath(target: string): ArtifactPath | undefined {
  const q = target.indexOf('?');
  const path = q < 0 ? target : target.slice(0, q);
  const parts = path.split('/');
  if (parts.length !== 4 || parts[0] !== '' || parts[1] !== 'a') return undefined;
  const [, , token, name] = parts as [string, string, string, string];
  if (!TOKEN.test(token) || !NAME.test(name)) return undefined;
  return { token, name };
}

/** The path of `/a/<token>/<name>` as events show it: the token never appears. */
export function shownPath(name: string): string {
  return `/a/…/${name}`;
}

/**
 * A request target that matched no artifact, as events show it: query dropped, token-like runs
 * replaced, control characters escaped and length capped, so an event carries no secret and no
 * terminal escape.
 */
export function shownUnknownPath(target: string): string {
  const q = target.indexOf('?');
  const path = (q < 0 ? target : target.slice(0, q)).replace(TOKEN_LIKE, '…');
  // eslint-disable-next-line no-control-regex
  const clean = path.replace(/[\u0000-\u001f\u007f-\u009f]/g, (c) => `\\x${c.charCodeAt(0).toString(16).padStart(2, '0')}`);
  return clean.length > 120 ? `${clean.slice(0, 120)}…` : clean;
}

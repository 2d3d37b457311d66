// ETags for If-Match: from the ETag header, else the body's `@odata.etag` (some BMCs send only
// one of them); a weak tag's strong form for the BMCs that refuse `W/` (sushy, c.g. PR #3268).

export function etagOf(headers: Readonly<Record<string, string>>, body: unknown): string | undefined {
  const header = headers['etag'];
  if (header) return header;
  if (typeof body === 'object' && body !== null && !Array.isArray(body)) {
    const tag = (body as Record<string, unknown>)['@odata.etag'];
    if (typeof tag === 'string' && tag !== '') return tag;
  }
  return undefined;
}

export function isWeak(etag: string): boolean {
  return /^W\//i.test(etag);
}

/** `W/"abc"` → `"abc"`; an unquoted tag gets quotes, as RFC 9110 requires of an entity-tag. */
export function strongForm(etag: string): string {
  const bare = etag.replace(/^W\//i, '');
  return bare.startsWith('"') ? bare : `"${bare}"`;
}

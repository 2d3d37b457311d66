// RFC 2397 `data:` URLs as Ignition reads them (it uses vincent-petithory/dataurl):
// `data:[<mediatype>][;base64],<data>`, the data percent-encoded unless `;base64`.
// fleetboot writes base64 (binary-safe, no escaping questions) and reads both forms.

/** `data:;base64,<base64>` for the bytes. */
export function toDataUrl(data: Buffer | string): string {
  const bytes = typeof data === 'string' ? Buffer.from(data, 'utf8') : data;
  return `data:;base64,${bytes.toString('base64')}`;
}

export interface DataUrl {
  mediaType: string;
  base64: boolean;
  data: Buffer;
}

/** Parses a data URL; throws a one-line error saying what is wrong. */
export function parseDataUrl(url: string): DataUrl {
  if (!url.startsWith('data:')) throw new Error(`not a data URL (must start with 'data:'): ${url.slice(0, 40)}`);
  const comma = url.indexOf(',');
  if (comma < 0) throw new Error("data URL has no ',' before its data");
  const meta = url.slice(5, comma);
  const payload = url.slice(comma + 1);
  const params = meta.split(';');
  const base64 = params[params.length - 1]?.toLowerCase() === 'base64';
  if (base64) params.pop();
  const mediaType = params.join(';');
  // `type/subtype` and `;name=value` parameters (RFC 2397 allows parameters without a type).
  if (!/^([\w.+-]+\/[\w.+-]+)?(;[^;=\s]+=[^;\s]*)*$/.test(mediaType)) {
    throw new Error(`data URL has a malformed media type '${mediaType}'`);
  }
  if (base64) {
    const compact = payload.replace(/%0[aAdD]|\s/g, '');
    if (!/^[A-Za-z0-9+/]*={0,2}$/.test(compact) || compact.length % 4 === 1) throw new Error('data URL says base64 but its data is not base64');
    return { mediaType, base64, data: Buffer.from(compact, 'base64') };
  }
  if (/%(?![0-9a-fA-F]{2})/.test(payload)) throw new Error('data URL has a malformed percent escape');
  return { mediaType, base64, data: percentDecode(payload) };
}

/** Percent-decodes to bytes (decodeURIComponent would refuse escapes that are not UTF-8). */
function percentDecode(text: string): Buffer {
  const raw = Buffer.from(text, 'utf8');
  const out: number[] = [];
  for (let i = 0; i < raw.length; i++) {
    if (raw[i] === 0x25) {
      out.push(parseInt(raw.toString('latin1', i + 1, i + 3), 16));
      i += 2;
    } else out.push(raw[i]!);
  }
  return Buffer.from(out);
}

// What to answer a GET or HEAD for a published artifact: status, header fields and the body as a
// list of pieces (literal text or byte ranges of the artifact). Pure: the server streams the pieces.

import { contentRange, ifRangeHolds, parseRange, type ByteRange } from './range.js';

export interface Representation {
  size: number;
  /** Strong entity tag with quotes. */
  etag: string;
  lastModifiedSec: number;
  contentType: string;
}

export type BodyPiece = { text: string } | { range: ByteRange };

export interface ResponsePlan {
  status: 200 | 206 | 416;
  headers: Record<string, string>;
  /** Empty for HEAD and 416. */
  body: BodyPiece[];
  /** The ranges served (206 only), for the request's event. */
  ranges?: ByteRange[];
}

export interface RequestFacts {
  method: 'GET' | 'HEAD';
  range: string | undefined;
  ifRange: string | undefined;
}

function pieceLength(p: BodyPiece): number {
  return 'text' in p ? Buffer.byteLength(p.text, 'latin1') : p.range.end - p.range.start + 1;
}

/**
 * The plan for one request. `boundary` separates multipart/byteranges parts; it comes from the
 * caller so this stays pure (the server draws a random one per response).
 */
export function planResponse(req: RequestFacts, rep: Representation, boundary: string): ResponsePlan {
  const common: Record<string, string> = {
    'Accept-Ranges': 'bytes',
    ETag: rep.etag,
    'Last-Modified': new Date(rep.lastModifiedSec * 1000).toUTCString(),
  };
  const whole = { start: 0, end: rep.size - 1 };
  const full = (): ResponsePlan => ({
    status: 200,
    headers: { ...common, 'Content-Type': rep.contentType, 'Content-Length': String(rep.size) },
    body: req.method === 'GET' && rep.size > 0 ? [{ range: whole }] : [],
  });
  // RFC 9110 §14.2: range handling is defined for GET only; a HEAD gets the 200 header fields.
  if (req.method !== 'GET' || req.range === undefined) return full();
  const decision = parseRange(req.range, rep.size);
  if (decision.kind === 'full') return full();
  // §13.1.5: a failed If-Range means the client's partial copy is stale; it gets the whole thing.
  if (!ifRangeHolds(req.ifRange, { etag: rep.etag, lastModifiedSec: rep.lastModifiedSec })) return full();
  if (decision.kind === 'unsatisfiable') {
    return {
      status: 416,
      headers: { ...common, 'Content-Range': contentRange(rep.size), 'Content-Length': '0' },
      body: [],
    };
  }
  const ranges = decision.ranges;
  if (ranges.length === 1) {
    const r = ranges[0]!;
    return {
      status: 206,
      headers: {
        ...common,
        'Content-Type': rep.contentType,
        'Content-Range': contentRange(rep.size, r),
        'Content-Length': String(r.end - r.start + 1),
      },
      body: [{ range: r }],
      ranges,
    };
  }
  // multipart/byteranges (§14.6): each part led by CRLF, the delimiter and its own header fields.
  const body: BodyPiece[] = [];
  for (const r of ranges) {
    body.push({
      text: `\r\n--${boundary}\r\nContent-Type: ${rep.contentType}\r\nContent-Range: ${contentRange(rep.size, r)}\r\n\r\n`,
    });
    body.push({ range: r });
  }
  body.push({ text: `\r\n--${boundary}--\r\n` });
  const length = body.reduce((n, p) => n + pieceLength(p), 0);
  return {
    status: 206,
    headers: {
      ...common,
      'Content-Type': `multipart/byteranges; boundary=${boundary}`,
      'Content-Length': String(length),
    },
    body,
    ranges,
  };
}

/** Bytes a plan's body holds. */
export function bodyLength(plan: ResponsePlan): number {
  return plan.body.reduce((n, p) => n + pieceLength(p), 0);
}

// The Redfish error tree (after sushy's exceptions): one base, a class per kind of failure the
// callers treat differently, each a one-line message carrying the Redfish code and the most
// severe ExtendedInfo message.

import { FleetbootError } from '../core/errors.js';

/** Base of every Redfish failure. */
export class RedfishError extends FleetbootError {}

/** The BMC answered with an HTTP error status. */
export class RedfishHttpError extends RedfishError {
  constructor(
    message: string,
    readonly status: number,
    readonly method: string,
    readonly path: string,
    /** `error.code` of the body, e.g. `Base.1.8.PropertyValueNotInList`. */
    readonly code: string | undefined,
    /** The most severe `@Message.ExtendedInfo` message (or `error.message`). */
    readonly detail: string | undefined,
  ) {
    super(message);
  }
}
export class BadRequestError extends RedfishHttpError {}
/** 401/403: wrong credentials or not allowed. */
export class AccessError extends RedfishHttpError {}
export class ResourceNotFoundError extends RedfishHttpError {}
export class MethodNotAllowedError extends RedfishHttpError {}
export class ConflictError extends RedfishHttpError {}
/** 412/428: the If-Match precondition failed or was missing. */
export class PreconditionError extends RedfishHttpError {}
export class ServerSideError extends RedfishHttpError {}

/** The connection failed or dropped (no HTTP answer). */
export class RedfishConnectionError extends RedfishError {}
/** A task monitor reported failure, or did not finish before its deadline. */
export class TaskError extends RedfishError {}
/** A resource lacks a field fleetboot needs; names its JSON path. */
export class MissingFieldError extends RedfishError {
  constructor(
    readonly resource: string,
    readonly field: string,
    what = 'is missing',
  ) {
    super(`${resource}: ${field} ${what} (the BMC's answer does not follow the Redfish schema)`);
  }
}

function isRecord(v: unknown): v is Record<string, unknown> {
  return typeof v === 'object' && v !== null && !Array.isArray(v);
}

const SEVERITY_RANK: Record<string, number> = { Critical: 3, Warning: 2, OK: 1 };

interface ExtendedMessage {
  message: string;
  rank: number;
  id?: string;
}

function messageOf(entry: unknown): ExtendedMessage | undefined {
  if (!isRecord(entry) || typeof entry.Message !== 'string') return undefined;
  // `MessageSeverity` is the current property; `Severity` the deprecated one.
  const sev = typeof entry.MessageSeverity === 'string' ? entry.MessageSeverity : typeof entry.Severity === 'string' ? entry.Severity : '';
  const out: ExtendedMessage = { message: entry.Message, rank: SEVERITY_RANK[sev] ?? 0 };
  if (typeof entry.MessageId === 'string') out.id = entry.MessageId;
  return out;
}

/** The most severe message among a list of Redfish messages (Critical > Warning > OK; first wins a tie). */
export function mostSevereMessage(messages: unknown): string | undefined {
  if (!Array.isArray(messages)) return undefined;
  let best: ExtendedMessage | undefined;
  for (const m of messages.map(messageOf)) {
    if (m && (!best || m.rank > best.rank)) best = m;
  }
  return best?.message;
}

/** `error.code` and the most severe message of a Redfish error body (or undefined parts). */
export function errorInfo(body: unknown): { code?: string; message?: string; messageIds: string[] } {
  const out: { code?: string; message?: string; messageIds: string[] } = { messageIds: [] };
  const err = isRecord(body) && isRecord(body.error) ? body.error : undefined;
  if (!err) return out;
  if (typeof err.code === 'string') out.code = err.code;
  const extended = err['@Message.ExtendedInfo'];
  const severe = mostSevereMessage(extended);
  if (severe !== undefined) out.message = severe;
  else if (typeof err.message === 'string') out.message = err.message;
  if (Array.isArray(extended)) {
    for (const e of extended) if (isRecord(e) && typeof e.MessageId === 'string') out.messageIds.push(e.MessageId);
  }
  return out;
}

const HINT: Record<number, string> = {
  401: 'check bmc.user and its password',
  403: 'the BMC account lacks the privilege for this',
  404: 'the resource does not exist on this BMC',
  405: 'this BMC does not support that operation here',
  412: 'the resource changed meanwhile (ETag mismatch)',
  428: 'the BMC requires If-Match',
  503: 'the BMC is busy; try again later',
};

function oneLine(text: string): string {
  return text.replace(/\s+/g, ' ').trim();
}

/** Maps an HTTP error answer to the error tree, with a one-line message. */
export function errorFromResponse(host: string, method: string, path: string, status: number, body: unknown): RedfishHttpError {
  const info = errorInfo(body);
  const parts = [`${host}: redfish ${method} ${path}: HTTP ${status}`];
  if (info.code) parts.push(info.code);
  let message = parts.join(' ');
  if (info.message) message += `: ${oneLine(info.message)}`;
  const hint = HINT[status] ?? (status >= 500 ? 'the BMC failed; check its state or try again' : undefined);
  if (hint) message += ` (${hint})`;
  const Kind =
    status === 400 ? BadRequestError
    : status === 401 || status === 403 ? AccessError
    : status === 404 ? ResourceNotFoundError
    : status === 405 ? MethodNotAllowedError
    : status === 409 ? ConflictError
    : status === 412 || status === 428 ? PreconditionError
    : status >= 500 ? ServerSideError
    : RedfishHttpError;
  return new Kind(message, status, method, path, info.code, info.message);
}

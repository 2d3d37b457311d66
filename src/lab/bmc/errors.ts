// Redfish error answers (DSP0266 §9.6 "Error responses"): every 4xx/5xx carries an `error`
// object with `code`, `message` and `@Message.ExtendedInfo` entries with `MessageId` and `Severity`.

export const BASE = 'Base.1.16';

export class RedfishError extends Error {
  constructor(
    readonly status: number,
    readonly messageId: string,
    message: string,
    readonly headers: Record<string, string> = {},
    readonly severity: 'OK' | 'Warning' | 'Critical' = 'Critical',
  ) {
    super(message);
  }
}

export function errorBody(messageId: string, message: string, severity = 'Critical'): Record<string, unknown> {
  return {
    error: {
      code: messageId,
      message,
      '@Message.ExtendedInfo': [
        {
          '@odata.type': '#Message.v1_1_1.Message',
          MessageId: messageId,
          Message: message,
          Severity: severity,
          MessageSeverity: severity,
          Resolution: 'See the message; retry if the service says it is temporarily unavailable.',
        },
      ],
    },
  };
}

export const notFound = (path: string): RedfishError =>
  new RedfishError(404, `${BASE}.ResourceMissingAtURI`, `The resource at the URI ${path} was not found.`);
export const badRequest = (id: string, message: string): RedfishError => new RedfishError(400, id.includes('.') ? id : `${BASE}.${id}`, message);
export const unavailable = (message: string, retryAfter = 1): RedfishError =>
  new RedfishError(503, `${BASE}.ServiceTemporarilyUnavailable`, message, { 'Retry-After': String(retryAfter) });

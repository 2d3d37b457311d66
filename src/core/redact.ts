// Redaction: the one place secrets are removed from what fleetboot shows or writes.

export const REDACTED = '********';
export const NO_LOG_MESSAGE =
  "the output has been hidden due to the fact that 'no_log: true' was specified for this result";

/** Secrets shorter than this are not searched for in text: they would mask ordinary words. */
const MIN_SECRET_LENGTH = 4;

/** Keys whose values are never shown, whatever they hold (Ansible masks the same ones). */
const SECRET_KEY = /(^|_)(password|passwd|secret|token|private_key|authorization)$/i;

export class SecretSet {
  private readonly secrets = new Set<string>();
  private pattern: RegExp | undefined;

  add(secret: string | undefined | null): void {
    if (!secret || secret.length < MIN_SECRET_LENGTH || this.secrets.has(secret)) return;
    this.secrets.add(secret);
    this.pattern = undefined;
  }

  get size(): number {
    return this.secrets.size;
  }

  redactText(text: string): string {
    if (this.secrets.size === 0) return text;
    this.pattern ??= new RegExp(
      [...this.secrets]
        .sort((a, b) => b.length - a.length)
        .map((s) => s.replace(/[.*+?^${}()|[\]\\]/g, '\\$&'))
        .join('|'),
      'g',
    );
    return text.replace(this.pattern, REDACTED);
  }

  /** A deep copy with every secret value and every secret-named key's value masked. */
  redact<T>(value: T): T {
    return this.walk(value, undefined) as T;
  }

  private walk(value: unknown, key: string | undefined): unknown {
    if (key !== undefined && SECRET_KEY.test(key) && value !== null && value !== undefined && value !== '') {
      return REDACTED;
    }
    if (typeof value === 'string') return this.redactText(value);
    if (Array.isArray(value)) return value.map((v) => this.walk(v, undefined));
    if (value && typeof value === 'object' && !(value instanceof Date)) {
      const out: Record<string, unknown> = {};
      for (const [k, v] of Object.entries(value)) out[k] = this.walk(v, k);
      return out;
    }
    return value;
  }
}

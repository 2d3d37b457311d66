// Errors that reach the operator: one line, saying where and what, with the exit code
// ansible-playbook would use for the same situation.

export const ExitCode = {
  OK: 0,
  ERROR: 1,
  HOST_FAILED: 2,
  HOST_UNREACHABLE: 3,
  PARSE_ERROR: 4,
  BAD_OPTIONS: 5,
  INTERRUPTED: 99,
  UNEXPECTED: 250,
} as const;
export type ExitCode = (typeof ExitCode)[keyof typeof ExitCode];

/** Where a value came from in a source file (1-based line and column). */
export interface SourcePos {
  file: string;
  line: number;
  col: number;
}

export function formatPos(pos: SourcePos): string {
  return `${pos.file}:${pos.line}:${pos.col}`;
}

/** Base of every error fleetboot expects; anything else is a bug (exit 250). */
export class FleetbootError extends Error {
  readonly exitCode: ExitCode;
  constructor(message: string, exitCode: ExitCode = ExitCode.ERROR, options?: { cause?: unknown }) {
    super(message, options);
    this.name = new.target.name;
    this.exitCode = exitCode;
  }
}

/**
 * Bad input in an inventory, playbook or vars file: `file:line:col: field: what (what to do)`.
 * `field` is a dotted path such as `all.children.arm.hosts` or `tasks[3].command`.
 */
export class ParseError extends FleetbootError {
  readonly pos: SourcePos | undefined;
  readonly field: string | undefined;
  constructor(pos: SourcePos | undefined, field: string | undefined, what: string) {
    const where = pos ? `${formatPos(pos)}: ` : '';
    const which = field ? `${field}: ` : '';
    super(`${where}${which}${what}`, ExitCode.PARSE_ERROR);
    this.pos = pos;
    this.field = field;
  }
}

/** Bad command-line options (exit 5). */
export class OptionsError extends FleetbootError {
  constructor(message: string) {
    super(message, ExitCode.BAD_OPTIONS);
  }
}

export function errorMessage(err: unknown): string {
  if (err instanceof Error) return err.message;
  return String(err);
}

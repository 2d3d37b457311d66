// Whether to color, and the few SGR colors fleetboot uses (Ansible's codes, so a recap looks
// the same byte for byte as ansible-playbook's).

export interface TtyLike {
  isTTY?: boolean;
}

/**
 * Color only on a terminal that can show it. NO_COLOR (any non-empty value, no-color.org) and
 * TERM=dumb turn it off; FORCE_COLOR turns it on (or off with `0`/`false`) and wins over NO_COLOR,
 * as it does for Node itself.
 */
export function useColor(stream: TtyLike, env: NodeJS.ProcessEnv = process.env): boolean {
  const force = env.FORCE_COLOR;
  if (force !== undefined) return force !== '0' && force.toLowerCase() !== 'false';
  if (env.NO_COLOR) return false;
  if (!stream.isTTY) return false;
  return env.TERM !== 'dumb';
}

/** SGR parameters as Ansible's `color.py` names them. */
const SGR = {
  green: '0;32',
  yellow: '0;33',
  red: '0;31',
  brightRed: '1;31',
  cyan: '0;36',
  brightPurple: '1;35',
  darkGray: '1;30',
  blue: '0;34',
  bold: '1',
} as const;
export type ColorName = keyof typeof SGR;

export type Paint = ((color: ColorName | undefined, text: string) => string) & { enabled: boolean };

/** A painter that wraps text in SGR codes, or returns it as is when color is off. */
export function createPaint(enabled: boolean): Paint {
  const paint = (color: ColorName | undefined, text: string): string =>
    enabled && color && text ? `\u001b[${SGR[color]}m${text}\u001b[0m` : text;
  return Object.assign(paint, { enabled });
}

/** Colors by task state, as Ansible's COLOR_OK, COLOR_CHANGED, COLOR_ERROR… */
export const STATE_COLOR = {
  ok: 'green',
  changed: 'yellow',
  failed: 'red',
  unreachable: 'brightRed',
  skipped: 'cyan',
  rescued: 'green',
  ignored: 'brightPurple',
  running: 'blue',
} as const satisfies Record<string, ColorName>;

const ANSI = /\u001b\[[0-9;?]*[A-Za-z]/g;

/** Text without escape sequences: what the terminal shows. */
export function stripAnsi(text: string): string {
  return text.replace(ANSI, '');
}

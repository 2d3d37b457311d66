// Which output a run gets: JSON lines when asked, the live view on a terminal that can redraw,
// one line per event everywhere else (CI logs, pipes, files).

import type { TtyLike } from './color.js';

export type OutputMode = 'live' | 'lines' | 'json';

export function chooseOutputMode(opts: { json: boolean; stream: TtyLike; env?: NodeJS.ProcessEnv }): OutputMode {
  if (opts.json) return 'json';
  // A dumb terminal cannot move the cursor, so the live view could not redraw in place.
  if (opts.stream.isTTY && (opts.env ?? process.env).TERM !== 'dumb') return 'live';
  return 'lines';
}

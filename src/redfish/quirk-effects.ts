// What the module-facing quirk rows mean for a request, as pure functions the modules call:
// the modules never test a vendor name themselves.

import { quirksOf, type QuirkRow } from './quirks.js';

/**
 * The boot target to send for the one the playbook asked for (Supermicro: `Cd` → `UsbCd`),
 * only when the alias is allowed by the BMC (or the BMC does not list allowed values).
 */
export function bootTargetToSend(rows: readonly QuirkRow[], target: string, model: string | undefined, allowed: readonly string[] | undefined): string {
  for (const q of quirksOf(rows, 'boot-target-alias')) {
    if (q.from !== target) continue;
    if (q.exceptModel && model !== undefined && q.exceptModel.test(model)) continue;
    if (allowed && !allowed.includes(q.to)) continue;
    return q.to;
  }
  return target;
}

/** EjectMedia's body: `{}` unless a row says to send none (strict servers refuse an empty body). */
export function ejectBody(rows: readonly QuirkRow[]): Record<string, never> | undefined {
  const q = quirksOf(rows, 'eject-body')[0];
  return q?.body === 'none' ? undefined : {};
}

/** InsertMedia/PATCH properties this BMC refuses. */
export function refusedInsertProperties(rows: readonly QuirkRow[]): string[] {
  return [...new Set(quirksOf(rows, 'insert-omit').flatMap((q) => q.properties))];
}

/** Undefined when the image URL's scheme can be mounted, else a one-line reason. */
export function imageUrlProblem(rows: readonly QuirkRow[], url: string): string | undefined {
  const scheme = /^([a-z][a-z0-9+.-]*):/i.exec(url)?.[1]?.toLowerCase();
  for (const q of quirksOf(rows, 'image-schemes')) {
    if (!scheme || !q.schemes.includes(scheme)) {
      return `this BMC mounts only ${q.schemes.map((s) => `${s}://`).join(' or ')} images, not ${url.split('?')[0]}`;
    }
  }
  return undefined;
}

export function mustEjectBeforeInsert(rows: readonly QuirkRow[]): boolean {
  return quirksOf(rows, 'eject-before-insert').length > 0;
}

export function bootViaSettings(rows: readonly QuirkRow[]): boolean {
  return quirksOf(rows, 'boot-via-settings').length > 0;
}

export function bootNeedsFullTriple(rows: readonly QuirkRow[]): boolean {
  return quirksOf(rows, 'boot-full-triple').length > 0;
}

/** Whether only `ConnectedVia: NotConnected` tells an empty slot (Image stays set after eject). */
export function emptyByConnectedVia(rows: readonly QuirkRow[]): boolean {
  return quirksOf(rows, 'empty-by-connected-via').length > 0;
}

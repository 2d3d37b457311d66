// What a simulated BMC's actions do to its machine, with the vendor's quirks (profile) and the
// lab's faults: InsertMedia/EjectMedia and slot PATCH, ComputerSystem.Reset, Boot PATCH, and
// what each virtual media slot reads.

import { BASE, badRequest, RedfishError } from './errors.js';
import type { BmcProfile, Refusal, SlotSpec } from './profiles.js';
import type { Json, MediaView, Paths } from './resources.js';
import type { MachineState, MediaSlot } from './state.js';

export interface ActionFaults {
  busyResetMs?: number;
  staleMediaMs?: number;
}

function isObject(v: unknown): v is Json {
  return typeof v === 'object' && v !== null && !Array.isArray(v);
}

const refuse = (r: Refusal): RedfishError => new RedfishError(r.status, r.messageId, r.message);

export class MachineActions {
  private busyUntil = 0;
  private resetBusyUntil = 0;

  constructor(
    private readonly profile: BmcProfile,
    private readonly machine: MachineState,
    private readonly paths: Paths,
    private readonly faults: ActionFaults,
  ) {}

  /** The vendor's "not ready after the previous operation" answer (iDRAC SYS518). */
  checkBusy(): void {
    const busy = this.profile.quirks.busyAfterAction;
    if (busy && Date.now() < this.busyUntil) throw new RedfishError(500, busy.messageId, busy.message);
  }

  /** Actions refused for a while after a reset (iLO InvalidOperationForSystemState). */
  private checkAfterReset(): void {
    const r = this.profile.quirks.busyAfterReset;
    if (r && Date.now() < this.resetBusyUntil) throw refuse(r);
  }

  private markBusy(): void {
    const busy = this.profile.quirks.busyAfterAction;
    if (busy) this.busyUntil = Date.now() + busy.ms;
  }

  /** In power-on self test: the profile's window, or the lab's bmc_busy_reset fault (which also covers PoweringOn). */
  private inPost(): boolean {
    return Date.now() < this.machine.postUntil || (this.faults.busyResetMs !== undefined && this.faults.busyResetMs > 0 && this.machine.power === 'PoweringOn');
  }

  private slotOf(spec: SlotSpec): MediaSlot {
    const s = this.machine.slot(spec.id);
    if (!s) throw new Error(`no machine slot ${spec.id}`);
    return s;
  }

  mediaView(spec: SlotSpec): MediaView {
    const m = this.slotOf(spec);
    if (Date.now() < m.staleUntil) return { image: m.staleImage, inserted: true, connected: true, writeProtected: m.writeProtected };
    if (!m.inserted && this.profile.quirks.imageStaysAfterEject && m.lastImage) {
      return { image: m.lastImage, inserted: true, connected: false, writeProtected: m.writeProtected };
    }
    return { image: m.image, inserted: m.inserted, connected: m.inserted, writeProtected: m.writeProtected };
  }

  /** The image URL as this BMC accepts it, or 400 naming what is wrong. */
  private checkImage(image: unknown): string {
    if (typeof image !== 'string' || image === '') throw badRequest('ActionParameterMissing', 'The action InsertMedia requires the parameter Image.');
    let scheme: string;
    try {
      scheme = new URL(image).protocol;
    } catch {
      throw badRequest('ActionParameterValueFormatError', `The value ${image} for the parameter Image is not a URL.`);
    }
    const schemes = this.profile.quirks.imageSchemes ?? ['http:', 'https:', 'nfs:', 'cifs:', 'smb:'];
    if (!schemes.includes(scheme)) {
      throw badRequest('ResourceAtUriInUnknownFormat', `The resource at ${image} is in a format not recognised by the service (use ${schemes.join(' or ')}).`);
    }
    return image;
  }

  insertMedia(spec: SlotSpec, body: Json | undefined): undefined {
    this.checkBusy();
    this.checkAfterReset();
    const q = this.profile.quirks;
    const vm = this.profile.virtualMedia;
    if (!body) throw badRequest('ActionParameterMissing', 'InsertMedia needs a JSON body with Image.');
    const known = ['Image', 'Inserted', 'WriteProtected', 'TransferMethod', 'TransferProtocolType', 'UserName', 'Password'];
    for (const k of Object.keys(body)) {
      if (!known.includes(k) || (q.rejectInsertFlags && (k === 'Inserted' || k === 'WriteProtected'))) {
        throw badRequest('PropertyUnknown', `The property ${k} is not in the list of valid properties for the resource.`);
      }
    }
    const image = this.checkImage(body.Image);
    for (const [k, allowed] of [['TransferProtocolType', vm.transferProtocols], ['TransferMethod', vm.transferMethods]] as const) {
      const v = body[k];
      if (v !== undefined && allowed && (typeof v !== 'string' || !allowed.includes(v))) {
        throw badRequest('ActionParameterValueNotInList', `The value ${JSON.stringify(v)} for the parameter ${k} is not one of: ${allowed.join(', ')}.`);
      }
    }
    if (spec.mount === 'local') {
      throw badRequest('ActionParameterNotSupported', `The slot ${spec.id} mounts only images stored on the BMC or from the remote console, not an image URL; use another slot.`);
    }
    if (body.Inserted === false) throw badRequest('ActionParameterValueNotInList', 'Inserted false is not supported by InsertMedia.');
    const m = this.slotOf(spec);
    if (m.inserted) throw new RedfishError(409, `${BASE}.ResourceInUse`, 'Virtual media is already inserted in this slot; eject it first.');
    this.machine.mount(m, image, body.WriteProtected !== false);
    this.markBusy();
    return undefined;
  }

  ejectMedia(spec: SlotSpec, raw: Buffer, body: Json | undefined): undefined {
    this.checkBusy();
    this.checkAfterReset();
    if (raw.length === 0 && this.profile.quirks.ejectNeedsBody) {
      throw new RedfishError(415, `${BASE}.UnsupportedMediaType`, 'The request needs a JSON body; send {}.');
    }
    if (raw.length > 0 && !body) throw badRequest('MalformedJSON', 'The request body is not a JSON object.');
    const m = this.slotOf(spec);
    this.machine.unmount(m, this.faults.staleMediaMs ?? this.profile.quirks.staleAfterEjectMs);
    this.markBusy();
    return undefined;
  }

  /**
   * PATCH of a slot that has no InsertMedia (Lenovo XCC EXT): `Image` with `Inserted: true`
   * mounts; `Image` alone is stored but nothing attaches; `Image: null`/`Inserted: false` ejects.
   */
  patchSlot(spec: SlotSpec, body: Json): void {
    this.checkBusy();
    const known = ['Image', 'Inserted', 'WriteProtected', 'TransferMethod', 'TransferProtocolType', 'UserName', 'Password', '@odata.etag'];
    for (const k of Object.keys(body)) if (!known.includes(k)) throw badRequest('PropertyNotWritable', `The property ${k} is read-only or unknown.`);
    const m = this.slotOf(spec);
    if (body.Image === null || body.Inserted === false) {
      this.machine.unmount(m, this.faults.staleMediaMs ?? this.profile.quirks.staleAfterEjectMs);
      return;
    }
    if (body.Image === undefined) return;
    const image = this.checkImage(body.Image);
    if (body.Inserted === true) this.machine.mount(m, image, body.WriteProtected !== false);
    else {
      // Stored, not attached: what an XCC does with Image alone.
      m.lastImage = image;
    }
    this.markBusy();
  }

  resetSystem(body: Json | undefined): undefined {
    this.checkBusy();
    this.checkAfterReset();
    const q = this.profile.quirks;
    if (this.inPost()) throw refuse(q.duringPost.reset);
    const type = body?.ResetType;
    if (typeof type !== 'string') throw badRequest('ActionParameterMissing', 'The action ComputerSystem.Reset requires the parameter ResetType.');
    if (!this.profile.resetTypes.includes(type)) {
      throw badRequest('ActionParameterValueNotInList', `The value ${type} for ResetType is not one of: ${this.profile.resetTypes.join(', ')}.`);
    }
    const on = type === 'On' || type === 'ForceOn';
    if (on && q.onAfterOff && this.machine.power === 'Off' && Date.now() < this.machine.offAt + q.onAfterOff.ms) throw refuse(q.onAfterOff);
    this.machine.reset(type);
    this.markBusy();
    if (q.busyAfterReset) this.resetBusyUntil = Date.now() + q.busyAfterReset.ms;
    return undefined;
  }

  patchBoot(body: Json, viaSettings: boolean): void {
    const known = viaSettings ? ['Boot', '@odata.etag'] : ['Boot', 'AssetTag', '@odata.etag'];
    for (const k of Object.keys(body)) if (!known.includes(k)) throw badRequest('PropertyNotWritable', `The property ${k} is read-only or unknown.`);
    const boot = body.Boot;
    if (boot === undefined) return;
    if (!isObject(boot)) throw badRequest('PropertyValueTypeError', 'Boot must be an object.');
    const q = this.profile.quirks;
    const via = q.bootViaSettings;
    if (via && !viaSettings) {
      throw new RedfishError(400, via.messageId, `Boot is changed through the settings object ${this.paths.settings ?? ''}; PATCH that instead.`);
    }
    if (this.inPost()) throw refuse(q.duringPost.bootPatch);
    const missing = q.bootRequires.filter((k) => !(k in boot));
    if (missing.length > 0) {
      throw badRequest('PropertyMissing', `The Boot request must carry ${q.bootRequires.join(', ')} together; missing ${missing.join(', ')}.`);
    }
    const next = { ...this.machine.boot };
    const current: Record<string, unknown> = { BootSourceOverrideEnabled: next.enabled, BootSourceOverrideTarget: next.target, BootSourceOverrideMode: next.mode };
    for (const [k, v] of Object.entries(boot)) {
      const bad = (allowed: readonly string[]): RedfishError =>
        badRequest('PropertyValueNotInList', `The value ${JSON.stringify(v)} for the property ${k} is not in the list of acceptable values (${allowed.join(', ')}).`);
      // Writing the value it already has is accepted: only a change is refused.
      if (q.bootReadOnly.includes(k) && v !== current[k]) {
        throw badRequest('PropertyNotWritable', `The property ${k} is a read only property and cannot be assigned a value.`);
      }
      if (k === 'BootSourceOverrideEnabled') {
        const allowed = ['Disabled', 'Once', 'Continuous'] as const;
        const hit = allowed.find((a) => a === v);
        if (!hit) throw bad(allowed);
        next.enabled = hit;
      } else if (k === 'BootSourceOverrideTarget') {
        if (typeof v !== 'string' || !this.profile.bootTargets.includes(v)) throw bad(this.profile.bootTargets);
        next.target = v;
        // Supermicro: a target without the mode puts the mode back to its default.
        if (q.targetResetsModeTo && !('BootSourceOverrideMode' in boot)) next.mode = q.targetResetsModeTo;
      } else if (k === 'BootSourceOverrideMode') {
        const allowed = ['UEFI', 'Legacy'] as const;
        const hit = allowed.find((a) => a === v);
        if (!hit) throw bad(allowed);
        next.mode = hit;
      } else if (k === 'UefiTargetBootSourceOverride' || k === 'HttpBootUri') {
        if (v !== null && typeof v !== 'string') throw bad(['a string', 'null']);
        if (k === 'HttpBootUri') next.httpBootUri = v ?? undefined;
        else next.uefiTarget = v ?? undefined;
      } else throw badRequest('PropertyUnknown', `The property Boot/${k} is not in the list of valid properties for the resource.`);
    }
    this.machine.boot = next;
  }
}

// The machine a simulated BMC controls: power with a transition delay, the boot override
// (a `Once` override is consumed by the next boot), the virtual media slots, and what the
// firmware does on a boot from the virtual CD: it reads the image over HTTP Range requests
// (volume descriptors, root directory) and boots or fails with a reason.

import { readBootCd } from './firmware-boot.js';
import { DEFAULT_MEDIA_RATE, MediaReader, MediaReadError, type MediaReaderStats } from './media-reader.js';
import type { Clock } from './token-bucket.js';

export type PowerState = 'On' | 'Off' | 'PoweringOn' | 'PoweringOff';

export interface BootOverride {
  enabled: 'Disabled' | 'Once' | 'Continuous';
  target: string;
  mode: 'UEFI' | 'Legacy';
  uefiTarget?: string;
  httpBootUri?: string;
}

export interface MediaSlot {
  id: string;
  /** MediaTypes has CD or DVD: the firmware can boot from it. */
  cd: boolean;
  image: string | null;
  inserted: boolean;
  writeProtected: boolean;
  /** Until this time (Date.now ms) reads still show the previous image as inserted (stale-after-eject quirk). */
  staleUntil: number;
  staleImage: string | null;
  /** The last image mounted (some BMCs keep naming it after eject). */
  lastImage: string | null;
  /** Aborted when the image is ejected: reads of it stop. */
  attachment: AbortController;
}

export type BootOutcome = 'reading' | 'booted' | 'failed';

export interface BootRecord {
  /** Where the machine booted from: the override target when one applied, else `Hdd`. */
  source: string;
  /** The image in a CD slot at the time, if any. */
  image: string | null;
  at: string;
  /** The firmware booted (or tried to) from the virtual CD: it read `image`. */
  virtualCd: boolean;
  outcome: BootOutcome;
  /** Why the boot failed, on one line. */
  reason?: string;
  /** Range requests and bytes the firmware read (virtual CD boots). */
  media?: MediaReaderStats;
}

/** `ComputerSystem.BootProgress` (DSP0268, ComputerSystem v1_13+). */
export interface BootProgress {
  lastState: string;
  oemLastState?: string;
  at: string;
}

export interface BootMediaOptions {
  /** Boot targets that mean "the virtual CD" on this vendor (Supermicro: UsbCd only). */
  cdTargets: readonly string[];
  /** Bytes per second of the firmware's image reads; 0 = unpaced. */
  rateBytesPerSec?: number;
  /** Verify the image server's certificate (profile data). */
  verifyTls?: boolean;
  ca?: string;
  chunkBytes?: number;
  clock?: Clock;
}

export interface MachineOptions {
  powerDelayMs: number;
  /** Power-on self test after each boot (ms). */
  postMs: number;
  slots: readonly { id: string; cd: boolean }[];
  media: BootMediaOptions;
}

/** Gets every boot once its outcome is known; a successful virtual CD boot hands over its open reader. */
export type BootListener = (boot: BootRecord, media: MediaReader | null) => void;

export class MachineState {
  power: PowerState = 'Off';
  boot: BootOverride = { enabled: 'Disabled', target: 'None', mode: 'UEFI' };
  readonly slots: MediaSlot[];
  readonly boots: BootRecord[] = [];
  progress: BootProgress = { lastState: 'None', at: new Date().toISOString() };
  /** End of the current power-on self test (Date.now ms); set when a boot completes. */
  postUntil = 0;
  /** When the machine last reached Off (Date.now ms). */
  offAt = 0;
  private timer: NodeJS.Timeout | undefined;
  private readonly listeners = new Set<BootListener>();
  /** Aborted at power-off: the running system (and its reads) are gone. */
  private running: { controller: AbortController; reader: MediaReader | null } | undefined;
  private readonly powerDelayMs: number;
  private readonly postMs: number;
  private readonly mediaOpts: BootMediaOptions;

  constructor(opts: MachineOptions) {
    this.powerDelayMs = opts.powerDelayMs;
    this.postMs = opts.postMs;
    this.mediaOpts = opts.media;
    this.slots = opts.slots.map((s) => ({
      id: s.id,
      cd: s.cd,
      image: null,
      inserted: false,
      writeProtected: true,
      staleUntil: 0,
      staleImage: null,
      lastImage: null,
      attachment: new AbortController(),
    }));
  }

  get transitioning(): boolean {
    return this.power === 'PoweringOn' || this.power === 'PoweringOff';
  }

  slot(id: string): MediaSlot | undefined {
    return this.slots.find((s) => s.id === id);
  }

  /** The slot with an image in (CD slots first), else the first slot: what the lab's stats show. */
  get media(): MediaSlot {
    const first = this.slots[0];
    if (!first) throw new Error('the machine has no virtual media slot');
    return this.slots.find((s) => s.cd && s.inserted) ?? this.slots.find((s) => s.inserted) ?? this.slots.find((s) => s.cd) ?? first;
  }

  mount(slot: MediaSlot, image: string, writeProtected: boolean): void {
    slot.image = image;
    slot.inserted = true;
    slot.writeProtected = writeProtected;
    slot.staleUntil = 0;
    slot.lastImage = image;
    slot.attachment = new AbortController();
  }

  /** Ejects; reads of the image in progress fail ("ejected"). `staleMs`: reads keep showing it inserted. */
  unmount(slot: MediaSlot, staleMs = 0): void {
    if (slot.inserted && staleMs > 0) {
      slot.staleImage = slot.image;
      slot.staleUntil = Date.now() + staleMs;
    }
    slot.image = null;
    slot.inserted = false;
    slot.attachment.abort();
  }

  /** Registers a listener for boots; returns its removal. */
  onBoot(listener: BootListener): () => void {
    this.listeners.add(listener);
    return () => void this.listeners.delete(listener);
  }

  /** Applies a ResetType; the new state is reached after the power delay. */
  reset(type: string): void {
    const on = this.power === 'On' || this.power === 'PoweringOn';
    switch (type) {
      case 'On':
      case 'ForceOn':
        if (!on) this.transition('PoweringOn', () => this.poweredOn());
        return;
      case 'ForceOff':
      case 'GracefulShutdown':
        if (on) this.transition('PoweringOff', () => this.poweredOff());
        return;
      case 'PushPowerButton':
        this.reset(on ? 'GracefulShutdown' : 'On');
        return;
      case 'ForceRestart':
      case 'GracefulRestart':
      case 'PowerCycle':
        // Off, then on again: a restart of a machine that is off powers it on.
        this.transition(on ? 'PoweringOff' : 'PoweringOn', () => {
          if (on) this.poweredOff();
          this.power = 'PoweringOn';
          this.timer = setTimeout(() => this.poweredOn(), this.powerDelayMs).unref();
        });
        return;
      default: // Nmi and the like: no power change
        return;
    }
  }

  private transition(to: PowerState, done: () => void): void {
    clearTimeout(this.timer);
    this.power = to;
    this.timer = setTimeout(done, this.powerDelayMs).unref();
  }

  private poweredOff(): void {
    this.power = 'Off';
    this.offAt = Date.now();
    this.setProgress('None');
    this.running?.controller.abort();
    this.running?.reader?.close();
    this.running = undefined;
  }

  private poweredOn(): void {
    this.power = 'On';
    const once = this.boot.enabled === 'Once';
    const source = this.boot.enabled === 'Disabled' ? 'Hdd' : this.boot.target;
    if (once) this.boot = { ...this.boot, enabled: 'Disabled', target: 'None' };
    this.postUntil = Date.now() + this.postMs;
    const cdSlot = this.slots.find((s) => s.cd && s.inserted && s.image !== null);
    const virtualCd = cdSlot !== undefined && this.mediaOpts.cdTargets.includes(source);
    const record: BootRecord = { source, image: cdSlot?.image ?? null, at: new Date().toISOString(), virtualCd, outcome: virtualCd ? 'reading' : 'booted' };
    this.boots.push(record);
    const controller = new AbortController();
    this.running = { controller, reader: null };
    if (!virtualCd || !cdSlot?.image) {
      this.setProgress('OSBootStarted');
      this.emit(record, null);
      return;
    }
    this.setProgress('SystemHardwareInitializationComplete');
    void this.bootFromCd(record, cdSlot, controller);
  }

  private async bootFromCd(record: BootRecord, slot: MediaSlot, controller: AbortController): Promise<void> {
    const m = this.mediaOpts;
    let reader: MediaReader | undefined;
    try {
      reader = new MediaReader(record.image ?? '', {
        rateBytesPerSec: m.rateBytesPerSec ?? DEFAULT_MEDIA_RATE,
        verifyTls: m.verifyTls ?? false,
        ...(m.ca ? { ca: m.ca } : {}),
        ...(m.chunkBytes ? { chunkBytes: m.chunkBytes } : {}),
        ...(m.clock ? { clock: m.clock } : {}),
        signal: AbortSignal.any([slot.attachment.signal, controller.signal]),
      });
      record.media = reader.stats;
      await readBootCd(reader);
    } catch (err) {
      reader?.close();
      record.outcome = 'failed';
      if (controller.signal.aborted && !slot.attachment.signal.aborted) {
        // Powered off meanwhile: recorded, not told; a later boot may already have been reported.
        record.reason = 'virtual CD boot failed: the machine powered off during the read';
        return;
      }
      record.reason = `virtual CD boot failed: ${err instanceof MediaReadError ? err.message : (err as Error).message}`;
      this.setProgress('OEM', 'VirtualMediaBootFailed');
      this.emit(record, null);
      return;
    }
    record.outcome = 'booted';
    if (this.running?.controller === controller) this.running.reader = reader;
    this.setProgress('OSBootStarted');
    this.emit(record, reader);
  }

  private setProgress(lastState: string, oemLastState?: string): void {
    this.progress = { lastState, at: new Date().toISOString(), ...(oemLastState ? { oemLastState } : {}) };
  }

  private emit(record: BootRecord, reader: MediaReader | null): void {
    for (const l of this.listeners) {
      try {
        l(record, reader);
      } catch {
        // A listener's failure is its own; the machine goes on.
      }
    }
  }

  stop(): void {
    clearTimeout(this.timer);
    this.running?.controller.abort();
    this.running?.reader?.close();
  }
}

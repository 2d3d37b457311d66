// The machine a simulated BMC controls: power with a transition delay, the boot override
// (a `Once` override is consumed by the next boot), and the virtual CD slot.

export type PowerState = 'On' | 'Off' | 'PoweringOn' | 'PoweringOff';

export interface BootOverride {
  enabled: 'Disabled' | 'Once' | 'Continuous';
  target: string;
  mode: 'UEFI' | 'Legacy';
  uefiTarget?: string;
  httpBootUri?: string;
}

export interface MediaSlot {
  image: string | null;
  inserted: boolean;
  writeProtected: boolean;
  /** Until this time (Date.now ms) reads still show the previous image as inserted (stale-after-eject quirk). */
  staleUntil: number;
  staleImage: string | null;
}

export interface BootRecord {
  /** Where the machine booted from: the override target when one applied, else `Hdd`. */
  source: string;
  /** The image in the CD slot at the time, if any. */
  image: string | null;
  at: string;
}

export class MachineState {
  power: PowerState = 'Off';
  boot: BootOverride = { enabled: 'Disabled', target: 'None', mode: 'UEFI' };
  media: MediaSlot = { image: null, inserted: false, writeProtected: true, staleUntil: 0, staleImage: null };
  readonly boots: BootRecord[] = [];
  /** End of the current power-on self test (Date.now ms); set when a boot completes. */
  postUntil = 0;
  private timer: NodeJS.Timeout | undefined;

  constructor(
    private readonly powerDelayMs: number,
    private readonly postMs: number,
  ) {}

  get transitioning(): boolean {
    return this.power === 'PoweringOn' || this.power === 'PoweringOff';
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
        if (on) this.transition('PoweringOff', () => (this.power = 'Off'));
        return;
      case 'PushPowerButton':
        this.reset(on ? 'GracefulShutdown' : 'On');
        return;
      case 'ForceRestart':
      case 'GracefulRestart':
      case 'PowerCycle':
        // Off, then on again: a restart of a machine that is off powers it on.
        this.transition(on ? 'PoweringOff' : 'PoweringOn', () => {
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

  private poweredOn(): void {
    this.power = 'On';
    const once = this.boot.enabled === 'Once';
    const source = this.boot.enabled === 'Disabled' ? 'Hdd' : this.boot.target;
    this.boots.push({ source, image: this.media.inserted ? this.media.image : null, at: new Date().toISOString() });
    if (once) this.boot = { ...this.boot, enabled: 'Disabled', target: 'None' };
    this.postUntil = Date.now() + this.postMs;
  }

  stop(): void {
    clearTimeout(this.timer);
  }
}

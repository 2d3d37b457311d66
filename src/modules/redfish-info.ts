// redfish.info: what the BMC says about the host, for `register`: manufacturer, model, serial,
// power state, MACs, processor architecture, virtual media slots, allowed boot targets.

import type { ModuleSpec } from './contract.js';

export const redfishInfoModule: ModuleSpec<Record<string, never>> = {
  name: 'redfish.info',
  local: true,
  supportsCheck: true,
  argsSchema: { type: 'object', additionalProperties: false, properties: {} },
  async run(_args, ctx) {
    const bmc = await ctx.bmc();
    const d = await bmc.rediscover();
    const s = d.system;
    return {
      changed: false,
      failed: false,
      manufacturer: s.manufacturer,
      model: s.model,
      serial: s.serial,
      power_state: s.powerState,
      macs: d.macs,
      processor_architecture: d.processorArchitectures[0],
      virtual_media: d.cdSlots.map((v) => ({ path: v.path, media_types: v.mediaTypes, image: v.image, inserted: v.inserted, mount: v.mount })),
      virtual_media_problem: d.virtualMediaProblem,
      boot_targets: s.bootTargets,
      reset_types: d.resetTypes,
      vendor: d.vendor,
      quirks: d.quirks.map((q) => q.id),
    };
  },
};

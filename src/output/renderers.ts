// One function per event kind, as a mapped type (zx's LogFormatters): adding a kind to the
// event union stops the build until every renderer says how it shows it.

import type { EventKind, EventOf, FleetEvent } from '../core/events.js';

export type Renderers<R> = { [K in EventKind]: (event: EventOf<K>) => R };

export function renderEvent<R>(renderers: Renderers<R>, event: FleetEvent): R {
  // The mapped type guarantees renderers[event.kind] takes exactly this event's type.
  const render = renderers[event.kind] as (event: FleetEvent) => R;
  return render(event);
}

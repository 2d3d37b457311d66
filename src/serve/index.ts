// The artifact server and the pure pieces it is built from.

export { ArtifactServer } from './server.js';
export type {
  ArtifactServerOptions,
  BindAddress,
  BoundAddress,
  HostCounters,
  Protocol,
  Published,
  PublishBytesOptions,
  PublishFileOptions,
  ServerStats,
} from './server.js';
export { checkOverlays, planSpans, spanLength, type Overlay, type Span } from './layers.js';
export { coalesce, contentRange, ifRangeHolds, MAX_RANGES, parseHttpDate, parseRange, type ByteRange, type RangeDecision } from './range.js';
export { planResponse, type Representation, type ResponsePlan } from './respond.js';
export { makeSelfSignedTls, type SelfSignedTls } from './self-signed.js';

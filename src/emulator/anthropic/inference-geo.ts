/**
 * Anthropic's `inference_geo` (platform.claude.com/docs/en/manage-claude/data-residency): `global` (the default) or
 * `us`, taken by Claude Opus 4.6 and every model after it. "Requests with inference_geo on legacy models return a
 * 400 error", and the answer's `usage.inference_geo` says where the request ran. US-only inference is billed at 1.1
 * times every token price (the pricing page's "Data residency pricing"): the billing ledger keeps where each request
 * ran.
 */
const GEOS = ['global', 'us'];

/**
 * Models released before Claude Opus 4.6: Claude 3, and the 4, 4.1 and 4.5 generations (dated IDs too). Models the
 * emulator is told to serve under other names are taken as newer.
 */
const LEGACY = /^claude-(?:3|(?:opus|sonnet|haiku)-4-(?:[0-5](?:-|$)|\d{8}))/;

/** Why the request's `inference_geo` is refused, or null. */
export function inferenceGeoError(params: Record<string, unknown>): string | null {
  const geo = params.inference_geo;
  if (geo === undefined) return null;
  if (typeof geo !== 'string' || !GEOS.includes(geo))
    return "inference_geo: Input should be 'global' or 'us'";
  if (LEGACY.test(String(params.model)))
    return `inference_geo: not supported for model ${String(params.model)}; it is supported on Claude Opus 4.6 and later models`;
  return null;
}

/**
 * Where an accepted request ran, as its answer's `usage.inference_geo` says (`string | null` in the SDK's `Usage`):
 * null for a model before Opus 4.6. A request that sets none runs where the workspace's default says.
 */
export function inferenceGeoRan(params: Record<string, unknown>, workspaceDefault: string): string | null {
  if (LEGACY.test(String(params.model))) return null;
  return typeof params.inference_geo === 'string' ? params.inference_geo : workspaceDefault;
}

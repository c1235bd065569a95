/**
 * Image tokens by each provider's documented rule, written from their documents (docs/emulator.md, "Tokens"):
 *
 * - Anthropic ("Images and vision"): an image whose long edge passes 1,568 px or whose size passes about 1.15
 *   megapixels is first scaled down, keeping its aspect ratio; it then costs `width × height / 750` tokens. Claude
 *   Opus 4.7 reads larger images: up to 2,576 px on the long edge and 4,784 tokens.
 * - OpenAI ("Images and vision", "Calculating costs"): tile models fit the image into 2048×2048, scale its shortest
 *   side down to 768, and bill `base + tile × 512-px tiles` (`detail: "low"`: the base alone); patch models cover it
 *   with 32-px patches, at most 1,536 (a larger image is scaled down to fit), times the model's multiplier.
 */
export function anthropicImageTokens(width: number, height: number, model: string): number {
  const large = /opus-4-7/.test(model);
  const maxEdge = large ? 2_576 : 1_568;
  const maxPixels = large ? 4_784 * 750 : 1_150_000;
  const scale = Math.min(1, maxEdge / Math.max(width, height), Math.sqrt(maxPixels / (width * height)));
  return Math.max(1, Math.ceil((width * scale * (height * scale)) / 750));
}

/** Base and per-tile tokens of OpenAI's tile models; the first pattern that matches the model name wins. */
const TILE_MODELS: [RegExp, { base: number; tile: number }][] = [
  [/^gpt-4o-mini/, { base: 2_833, tile: 5_667 }],
  [/^gpt-5(?!-mini|-nano)/, { base: 70, tile: 140 }],
  [/^(o1|o3)(?!-mini)/, { base: 75, tile: 150 }],
  [/^computer-use/, { base: 65, tile: 129 }],
];
const DEFAULT_TILES = { base: 85, tile: 170 };

/** Multipliers of OpenAI's patch models. */
const PATCH_MODELS: [RegExp, number][] = [
  [/^gpt-5-mini/, 1.62],
  [/^gpt-5-nano/, 2.46],
  [/^gpt-4\.1-mini/, 1.62],
  [/^gpt-4\.1-nano/, 2.46],
  [/^o4-mini/, 1.72],
];
const MAX_PATCHES = 1_536;

/** OpenAI image tokens for a model and `detail` (`auto` counts as `high`): its tile rule or its patch rule. */
export function openaiImageTokens(width: number, height: number, model: string, detail: string): number {
  const name = model.replace(/^ft:/, '');
  const multiplier = PATCH_MODELS.find(([pattern]) => pattern.test(name))?.[1];
  if (multiplier !== undefined) return Math.ceil(patches(width, height) * multiplier);
  const { base, tile } = TILE_MODELS.find(([pattern]) => pattern.test(name))?.[1] ?? DEFAULT_TILES;
  if (detail === 'low') return base;
  let w = width;
  let h = height;
  const fit = Math.min(1, 2_048 / Math.max(w, h));
  w *= fit;
  h *= fit;
  const shortest = Math.min(1, 768 / Math.min(w, h));
  w *= shortest;
  h *= shortest;
  return base + tile * Math.ceil(w / 512) * Math.ceil(h / 512);
}

/** OpenAI's patch count: 32-px patches, and past 1,536 the image scaled down until a whole number of them fits. */
function patches(width: number, height: number): number {
  const raw = Math.ceil(width / 32) * Math.ceil(height / 32);
  if (raw <= MAX_PATCHES) return raw;
  let shrink = Math.sqrt((32 * 32 * MAX_PATCHES) / (width * height));
  const w = (width * shrink) / 32;
  const h = (height * shrink) / 32;
  shrink *= Math.min(Math.floor(w) / w, Math.floor(h) / h);
  return Math.min(MAX_PATCHES, Math.ceil((width * shrink) / 32) * Math.ceil((height * shrink) / 32));
}

/**
 * Pixels per PDF point at which the emulator renders a page into the image both providers bill per page. Neither
 * documents its resolution; 2 (144 dpi) makes a US Letter page 1224×1584 px, which both rules scale down to their
 * caps, so the choice matters only for small pages.
 */
export const PAGE_PIXELS_PER_POINT = 2;

import { describe, expect, it } from 'vitest';
import { anthropicImageTokens, openaiImageTokens } from '../../src/emulator/index.js';
import { imageTokens } from '../../src/pricing/estimate.js';

const sizes: [number, number][] = [];
for (const w of [
  1, 27, 28, 90, 511, 512, 513, 767, 768, 1024, 1568, 1569, 2048, 2049, 3000, 4000, 7999, 8000,
])
  for (const h of [1, 33, 200, 512, 768, 1000, 1584, 2600, 5000, 8000]) sizes.push([w, h]);

describe('the image estimate bounds what the emulator bills, for every size and model', () => {
  for (const model of ['claude-haiku-4-5', 'claude-sonnet-4-6', 'claude-opus-4-7']) {
    it(model, () => {
      for (const [w, h] of sizes) {
        expect(imageTokens(w, h, 'anthropic', model), `${w}×${h}`).toBeGreaterThanOrEqual(
          anthropicImageTokens(w, h, model),
        );
      }
    });
  }
  const openai = [
    'gpt-4o',
    'gpt-4o-mini',
    'gpt-4.1',
    'gpt-4.1-mini',
    'gpt-4.1-nano',
    'gpt-5',
    'gpt-5-mini',
    'gpt-5-nano',
    'gpt-5.1',
    'o1',
    'o3',
    'o4-mini',
    'ft:gpt-4o-mini:acme::abc',
    'some-new-model',
  ];
  for (const model of openai) {
    it(model, () => {
      for (const [w, h] of sizes) {
        for (const detail of ['auto', 'high', 'low']) {
          expect(imageTokens(w, h, 'openai', model), `${w}×${h} ${detail}`).toBeGreaterThanOrEqual(
            openaiImageTokens(w, h, model, detail),
          );
        }
      }
    });
  }
});

import { isRecord } from '../http.js';

/**
 * What Anthropic adds to the input of a request with `tools` (docs.anthropic.com/en/docs/tool-use-pricing-and-tokens,
 * "Tool use system prompt token count"; the bash, text editor and computer use tools' pages): a system prompt that
 * enables tool use, by model and `tool_choice`, and the definitions of the tools Anthropic defines itself. Billed as
 * input though none of it is in the body; the count-tokens endpoint counts it too.
 */
const CLAUDE_3_SYSTEM_PROMPT: Record<string, { auto: number; forced: number }> = {
  'claude-3-opus': { auto: 530, forced: 281 },
  'claude-3-sonnet': { auto: 159, forced: 235 },
  'claude-3-haiku': { auto: 264, forced: 340 },
};
/** The Claude 4 family (and the 3.5 and 3.7 models): `auto`/`none` 346, `any`/`tool` 313. */
const SYSTEM_PROMPT = { auto: 346, forced: 313 };

const DEFINED_TOOLS: readonly [RegExp, number][] = [
  [/^bash_\d{8}$/, 245],
  [/^text_editor_\d{8}$/, 700],
  // The tool's definition, and the computer use system prompt (466–499 tokens: the most of it).
  [/^computer_\d{8}$/, 735 + 499],
];

/** Input tokens the tools of a Messages body add beyond their JSON. */
export function toolOverheadTokens(model: string, tools: unknown, toolChoice: unknown): number {
  if (!Array.isArray(tools) || tools.length === 0) return 0;
  const family = Object.keys(CLAUDE_3_SYSTEM_PROMPT).find((prefix) => model.startsWith(prefix));
  const prompt = family ? CLAUDE_3_SYSTEM_PROMPT[family]! : SYSTEM_PROMPT;
  const choice = isRecord(toolChoice) ? toolChoice.type : undefined;
  let tokens = choice === 'any' || choice === 'tool' ? prompt.forced : prompt.auto;
  for (const tool of tools) {
    const type = isRecord(tool) ? tool.type : undefined;
    if (typeof type !== 'string') continue;
    tokens += DEFINED_TOOLS.find(([pattern]) => pattern.test(type))?.[1] ?? 0;
  }
  return tokens;
}

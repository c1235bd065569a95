/**
 * Input Anthropic adds to a request that has `tools`, billed though it is not in the body
 * (docs.anthropic.com/en/docs/tool-use-pricing-and-tokens, "Tool use system prompt token count", and each
 * Anthropic-defined tool's page):
 * - a tool-use system prompt: 346 tokens (`tool_choice` auto or none) or 313 (any, tool) on the Claude 4 family; the
 *   most the table lists for any model is 530 (Claude 3 Opus, auto), and that is what is reserved;
 * - Anthropic-defined tools bring their own definitions: bash 245 tokens, the text editor 700, computer use 735 plus
 *   its own system prompt of at most 499.
 */
export const TOOL_USE_SYSTEM_PROMPT_TOKENS = 530;

const DEFINED_TOOL_TOKENS: readonly [RegExp, number][] = [
  [/^bash_\d{8}$/, 245],
  [/^text_editor_\d{8}$/, 700],
  [/^computer_\d{8}$/, 735 + 499],
];

/**
 * Anthropic tools that the API runs itself, inside one request, as often as the model asks
 * (platform.claude.com/docs/en/agents-and-tools/tool-use/web-search-tool: "this process may repeat multiple times
 * throughout a single request"): web search ($10 per 1,000 searches) and web fetch add what they find to the input,
 * code execution bills container time. None of it is in the request body, so no estimate of the body bounds it:
 * they are refused under a cost limit (unbounded-costs.ts), and not counted here. Tool search is not one: the tools
 * it finds are already in the body.
 */
export const ANTHROPIC_SERVER_TOOL = /^(web_search|web_fetch|code_execution)_\d{8}$/;

export interface ClaudeToolTokens {
  tokens: number;
  /** An Anthropic-defined tool whose definition's size Anthropic does not publish (`tools[2] (memory_20250818)`). */
  unpublished: string | null;
}

/** What a Messages `params` body's tools add to its input beyond their JSON. */
export function claudeToolTokens(body: unknown): ClaudeToolTokens {
  const tools = isRecord(body) && Array.isArray(body.tools) ? body.tools : [];
  if (tools.length === 0) return { tokens: 0, unpublished: null };
  let tokens = TOOL_USE_SYSTEM_PROMPT_TOKENS;
  let unpublished: string | null = null;
  for (const [index, tool] of tools.entries()) {
    const type = isRecord(tool) ? tool.type : undefined;
    // A tool of the user's own: its JSON (name, description, schema) is counted with the rest of the body.
    if (typeof type !== 'string' || type === 'custom' || ANTHROPIC_SERVER_TOOL.test(type)) continue;
    const known = DEFINED_TOOL_TOKENS.find(([pattern]) => pattern.test(type));
    if (known) tokens += known[1];
    else unpublished ??= `tools[${index}] (${type})`;
  }
  return { tokens, unpublished };
}

export function isRecord(value: unknown): value is Record<string, unknown> {
  return value !== null && typeof value === 'object' && !Array.isArray(value);
}

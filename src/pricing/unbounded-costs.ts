import type { NormalizedJob } from '../jobs/normalized-job.js';
import { ANTHROPIC_SERVER_TOOL, claudeToolTokens } from './claude-tool-tokens.js';

/**
 * What in a job's provider options makes its cost unbounded by its request — a sentence naming it — or null. Such a
 * job cannot be held to a cost limit: its worst case is not known before it runs.
 */
export function unboundedCostOf(job: NormalizedJob): string | null {
  const options = job.providerOptions;
  if (!options) return null;
  const where = `providerOptions.${job.provider}`;
  if (job.provider === 'anthropic') {
    const tools = Array.isArray(options.tools) ? options.tools : [];
    for (const [index, tool] of tools.entries()) {
      const type = tool !== null && typeof tool === 'object' && !Array.isArray(tool) ? tool.type : undefined;
      if (typeof type === 'string' && ANTHROPIC_SERVER_TOOL.test(type)) {
        return `${where}.tools[${index}] is ${type}, a tool Anthropic runs itself as often as the model asks, billing its uses and what they add to the input`;
      }
    }
    if (
      Array.isArray(options.mcp_servers) ? options.mcp_servers.length > 0 : options.mcp_servers !== undefined
    ) {
      return `${where}.mcp_servers connects MCP servers whose tool results Anthropic adds to the input, as often as the model calls them`;
    }
    const { unpublished } = claudeToolTokens(options);
    if (unpublished !== null) {
      return `${where}.${unpublished} is a tool Anthropic defines itself and adds to the input, by a number of tokens it does not publish (it does for bash, the text editor and computer use)`;
    }
    return null;
  }
  if (options.web_search_options !== undefined) {
    return `${where}.web_search_options makes OpenAI search the web, billing each search and the results it adds to the input`;
  }
  return null;
}

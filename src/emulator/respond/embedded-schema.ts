import { isRecord } from '../http.js';

/**
 * A JSON Schema written into a prompt (in a ```json fence), as clients do when they cannot use a native structured
 * output: the emulated model then answers with an instance of it, as a real model following the prompt would.
 */
export function embeddedSchema(texts: string[]): Record<string, unknown> | null {
  for (const text of texts) {
    const fence = /```(?:json)?\s*([\s\S]*?)```/g;
    for (let match = fence.exec(text); match; match = fence.exec(text)) {
      try {
        const parsed: unknown = JSON.parse(match[1]!);
        if (isRecord(parsed) && parsed.type === 'object' && isRecord(parsed.properties)) return parsed;
      } catch {
        // not JSON: keep looking
      }
    }
  }
  return null;
}

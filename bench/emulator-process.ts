/**
 * The emulator in a process of its own, so that its memory and CPU are not counted against either side of the
 * bench. Prints its URLs as one JSON line, and closes when its stdin closes (the driver ended).
 */
import { startEmulator } from '../src/emulator/index.js';

const emulator = await startEmulator({
  processingMs: Number(process.env.BENCH_PROCESSING_MS ?? 1_000),
});
console.log(
  `EMULATOR ${JSON.stringify({ openai: emulator.openaiBaseURL, anthropic: emulator.anthropicBaseURL })}`,
);
process.stdin.resume();
process.stdin.on('end', () => void emulator.close().then(() => process.exit(0)));

import { type EmulatorOptions, startEmulator } from '../emulator/index.js';

/** Starts the emulator and keeps it running until SIGINT/SIGTERM. */
export async function runEmulatorCommand(options: EmulatorOptions): Promise<void> {
  const emulator = await startEmulator(options);
  // With --api-key only that key is taken: the lines say so without printing it.
  const key = options.apiKey === undefined ? "'test'" : '<your --api-key>';
  console.log(`batchwise emulator listening on ${emulator.url}`);
  console.log(`  OpenAI:    new OpenAI({ apiKey: ${key}, baseURL: '${emulator.openaiBaseURL}' })`);
  console.log(`  Anthropic: new Anthropic({ apiKey: ${key}, baseURL: '${emulator.anthropicBaseURL}' })`);
  const stop = async () => {
    await emulator.close();
    process.exit(0);
  };
  process.once('SIGINT', stop);
  process.once('SIGTERM', stop);
}

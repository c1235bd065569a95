import { cac } from 'cac';

const cli = cac('batchwise');

cli
  .command('emulator', 'Run the local OpenAI + Anthropic batch API emulator')
  .option('--port <port>', 'Port on 127.0.0.1', { default: 8787 })
  .option('--host <host>', 'Address to listen on', { default: '127.0.0.1' })
  .option('--processing-ms <ms>', 'Time a batch takes from creation to ended', { default: 2000 })
  .option('--data-dir <dir>', 'Keep batches and files here so a restart still knows them')
  .option('--errored-share <share>', 'Share of requests answered with an error row (0..1)', { default: 0 })
  .option('--api-key <key>', 'Accept only this key (default: any non-empty key)')
  .action(async (flags: Record<string, string | number | undefined>) => {
    const { runEmulatorCommand } = await import('./emulator-command.js');
    await runEmulatorCommand({
      port: Number(flags.port),
      host: String(flags.host),
      processingMs: Number(flags.processingMs),
      erroredShare: Number(flags.erroredShare),
      ...(flags.dataDir !== undefined && { dataDir: String(flags.dataDir) }),
      ...(flags.apiKey !== undefined && { apiKey: String(flags.apiKey) }),
    });
  });

cli.help();
cli.version('0.1.0');

try {
  cli.parse(process.argv, { run: false });
  if (!cli.matchedCommand) {
    cli.outputHelp();
    process.exitCode = cli.args.length > 0 ? 1 : 0;
  } else {
    await cli.runMatchedCommand();
  }
} catch (error) {
  console.error(error instanceof Error ? error.message : String(error));
  process.exit(1);
}

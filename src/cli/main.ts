import { cac } from 'cac';
import { numberFlag, refuseEmptyValues, textFlag, UsageError } from './flags.js';
import { packageVersion } from './version.js';

const cli = cac('batchwise');

cli
  .command('emulator', 'Run the local OpenAI + Anthropic batch API emulator')
  .option('--port <port>', 'Port on 127.0.0.1 (0: any free port)', { default: 8787 })
  .option('--host <host>', 'Address to listen on', { default: '127.0.0.1' })
  .option('--processing-ms <ms>', 'Time a batch takes from creation to ended', { default: 2000 })
  .option('--data-dir <dir>', 'Keep batches and files here so a restart still knows them')
  .option('--errored-share <share>', 'Share of requests answered with an error row (0..1)', { default: 0 })
  .option('--api-key <key>', 'Accept only this key (default: any non-empty key)')
  .action(async (flags: Record<string, unknown>) => {
    // Every flag is checked before the emulator starts: cac passes a value that is not a number on as text.
    const options = {
      port: numberFlag('port', flags.port, {
        min: 0,
        max: 65_535,
        integer: true,
        what: 'a port number (0 to 65535)',
      }),
      host: textFlag('host', flags.host),
      processingMs: numberFlag('processing-ms', flags.processingMs, {
        min: 0,
        what: 'a number of milliseconds from 0 up',
      }),
      erroredShare: numberFlag('errored-share', flags.erroredShare, {
        min: 0,
        max: 1,
        what: 'a share from 0 to 1',
      }),
      ...(flags.dataDir !== undefined && { dataDir: textFlag('data-dir', flags.dataDir) }),
      ...(flags.apiKey !== undefined && { apiKey: textFlag('api-key', flags.apiKey) }),
    };
    const { runEmulatorCommand } = await import('./emulator-command.js');
    await runEmulatorCommand(options);
  });

// Help and version are handled here, not by cac's `help()`/`version()`: those print from inside `parse()`, and the
// version with the platform appended. `--version` prints the version alone, as scripts expect.
cli.option('-h, --help', 'Display this message');
cli.globalCommand.versionNumber = packageVersion();
cli.option('-v, --version', 'Display the version number');

try {
  refuseEmptyValues(process.argv.slice(2));
  const { args, options } = cli.parse(process.argv, { run: false });
  if (options.version) {
    // `--version` wins wherever it stands: `batchwise --version emulator` prints the version, starts nothing.
    console.log(packageVersion());
  } else if (options.help) {
    if (cli.matchedCommand) cli.matchedCommand.outputHelp();
    else cli.outputHelp();
  } else if (cli.matchedCommand) {
    if (args.length > 0) {
      throw new UsageError(
        `${cli.matchedCommand.name} takes no arguments, got \`${args.join(' ')}\`. See \`batchwise ${cli.matchedCommand.name} --help\`.`,
      );
    }
    await cli.runMatchedCommand();
  } else if (args.length > 0) {
    throw new UsageError(`Unknown command \`${args[0]}\`. Commands: emulator. See \`batchwise --help\`.`);
  } else if (Object.keys(options).some((name) => name !== '--')) {
    // Without a command only --help and --version mean something (handled above).
    const name = Object.keys(options).find((key) => key !== '--')!;
    throw new UsageError(`Unknown option \`--${name}\` without a command. See \`batchwise --help\`.`);
  } else {
    cli.outputHelp();
  }
} catch (error) {
  const message = error instanceof Error ? error.message : String(error);
  console.error(`batchwise: ${message}`);
  process.exitCode = 1;
}

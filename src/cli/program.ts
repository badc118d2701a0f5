/**
 * The `agentloop` command line, as commander sees it: commands, arguments, options and help. The
 * work is done by the handlers in `commands/`, which receive a {@link CommandContext}.
 *
 * @module
 */
import { Command, CommanderError, InvalidArgumentError, Option } from 'commander'
import { type CliProcess, CommandContext, type GlobalOptions } from './command-context.js'
import { EXIT, type ExitCode, exitCodeOf } from './exit-codes.js'

function integer(name: string, minimum: number, maximum = Number.MAX_SAFE_INTEGER) {
  return (value: string): number => {
    const number = Number(value)
    if (!/^\d+$/.test(value.trim()) || number < minimum || number > maximum) {
      throw new InvalidArgumentError(
        `${name} must be a whole number from ${minimum} to ${maximum}; got "${value}".`,
      )
    }
    return number
  }
}

function collect(value: string, previous: string[] | undefined): string[] {
  return [
    ...(previous ?? []),
    ...value
      .split(',')
      .map((part) => part.trim())
      .filter((part) => part !== ''),
  ]
}

/** Runs the command line `argv` (without `node` and the script) in `process`; resolves the exit code. */
export async function runCli(
  argv: readonly string[],
  process: CliProcess,
  version = '0.0.0',
): Promise<ExitCode> {
  let exitCode: ExitCode = EXIT.ok
  let context: CommandContext | undefined
  const { stdout, stderr } = process.streams

  const program = new Command('agentloop')
    .description('Run, serve and inspect agentloop agents.')
    .version(version, '-v, --version')
    .option(
      '-c, --config <file>',
      'the config module (default: ./agentloop.config.ts or .js, or AGENTLOOP_CONFIG)',
    )
    .option('--db <file>', 'a SQLite file, instead of DATABASE_URL (default sqlite:agentloop.db)')
    .option('--json', 'print results as JSON on stdout, for scripts')
    .option('-q, --quiet', 'no progress or hints on stderr')
    .showHelpAfterError('(run agentloop --help for usage)')
    .showSuggestionAfterError(true)
    .exitOverride()
    .configureOutput({
      writeOut: (text) => stdout.write(text),
      writeErr: (text) => stderr.write(text),
    })

  /**
   * Wraps a handler, loaded only when its command runs (so `--help`, `--version` and a mistyped
   * flag load no storage or runtime code): builds its context and records its exit code.
   */
  function act<TArgs extends unknown[], TOptions>(
    load: () => Promise<(context: CommandContext, options: TOptions, ...args: TArgs) => Promise<ExitCode>>,
  ) {
    return async (...values: unknown[]) => {
      const command = values.at(-1) as Command
      const options = values.at(-2) as TOptions
      const args = values.slice(0, -2) as TArgs
      context = new CommandContext(process, command.optsWithGlobals<GlobalOptions>())
      exitCode = await (await load())(context, options, ...args)
    }
  }
  const runsModule = () => import('./commands/runs.js')
  const keysModule = () => import('./commands/keys.js')
  const serve = () => import('./commands/serve.js')

  program
    .command('serve')
    .description(
      'serve the HTTP API (PORT, default 8000; SQLite and an in-process queue unless DATABASE_URL / REDIS_URL)',
    )
    .addOption(
      new Option('-p, --port <port>', 'port to listen on (0: any free port)').argParser(
        integer('--port', 0, 65535),
      ),
    )
    .option('--host <address>', 'address to bind (default 127.0.0.1; HOST)')
    .option('--no-auth', 'no API keys: local use only, bound to 127.0.0.1')
    .action(
      act(async () => {
        const { serveCommand } = await serve()
        return (context: CommandContext, options: { port?: number; host?: string; auth?: boolean }) =>
          serveCommand(context, {
            ...(options.port === undefined ? {} : { port: options.port }),
            ...(options.host === undefined ? {} : { host: options.host }),
            noAuth: options.auth === false,
          })
      }),
    )

  program
    .command('worker')
    .description('take runs from the queue (REDIS_URL) and execute them')
    .addOption(
      new Option(
        '--concurrency <n>',
        'runs executed at once (default AGENTLOOP_CONCURRENCY, or 16)',
      ).argParser(integer('--concurrency', 1, 1000)),
    )
    .action(act(async () => (await serve()).workerCommand))

  program
    .command('run')
    .description('run an agent and stream its answer to stdout ("-" reads the input from stdin)')
    .argument('<agent>', 'a registered agent')
    .argument('<input>', 'the user message')
    .option('-s, --session <id>', 'continue this session')
    .option('--events', 'print every event as a JSON line on stdout')
    .action(act(async () => (await import('./commands/run.js')).runCommand))

  const runs = program.command('runs').description('stored runs: list, show, resume, approve, cancel')
  runs
    .command('list')
    .description('list runs, newest first')
    .option('--status <status>', 'only runs with this status (repeat or comma-separate)', collect)
    .option('--agent <name>', "only this agent's runs")
    .option('--session <id>', "only this session's runs")
    .addOption(
      new Option('-n, --limit <n>', 'runs per page (default 20)').argParser(integer('--limit', 1, 1000)),
    )
    .option('--cursor <cursor>', 'the next page, as printed by the previous one')
    .action(act(async () => (await runsModule()).listRunsCommand))
  runs
    .command('show')
    .description('show a run: status, output, the tool calls it waits on')
    .argument('<runId>')
    .option('--events', 'include its event log')
    .action(act(async () => (await runsModule()).showRunCommand))
  runs
    .command('resume')
    .description('continue a run from its last checkpoint')
    .argument('<runId>')
    .option('--events', 'print every event as a JSON line on stdout')
    .action(act(async () => (await runsModule()).resumeRunCommand))
  runs
    .command('approve')
    .description('approve (or --reject) tool calls a run waits on, then continue it')
    .argument('<runId>')
    .argument('[callIds...]', 'the calls to decide (see runs show)')
    .option('--all', 'every call the run waits on')
    .option('--reject', 'reject instead of approve')
    .option('-m, --message <text>', 'a note for the model with the decision')
    .option('--events', 'print every event as a JSON line on stdout')
    .action(act(async () => (await runsModule()).approveRunCommand))
  runs
    .command('cancel')
    .description('cancel a run')
    .argument('<runId>')
    .action(act(async () => (await runsModule()).cancelRunCommand))

  const keys = program.command('keys').description('API keys of the server (stored hashed)')
  keys
    .command('create')
    .description('create a key; it is printed once')
    .option('--owner <owner>', 'who the key acts for (default "default")')
    .option('--scope <scope>', 'read, run or admin (repeat or comma-separate; default read,run)', collect)
    .option('--name <label>', 'a label for people')
    .addOption(
      new Option('--expires-in <seconds>', 'expire after this many seconds').argParser(
        integer('--expires-in', 1),
      ),
    )
    .action(act(async () => (await keysModule()).createKeyCommand))
  keys
    .command('list')
    .description('list keys (never their secrets)')
    .option('--owner <owner>')
    .action(act(async () => (await keysModule()).listKeysCommand))
  keys
    .command('revoke')
    .description('revoke a key at once')
    .argument('<keyId>')
    .action(act(async () => (await keysModule()).revokeKeyCommand))

  program
    .command('mcp')
    .description(
      "serve the config's agents (and bound workflows) as MCP tools over stdio; stdout is the protocol, logs go to stderr",
    )
    .option('--name <name>', 'the server name in the MCP handshake (default agentloop)')
    .action(act(async () => (await import('./commands/mcp.js')).mcpCommand))

  program
    .command('usage')
    .description('token usage and cost recorded by serve, worker and run, in a time window')
    .option('--from <time>', 'start: ISO 8601 date or time, or ms since the epoch (default: this UTC month)')
    .option('--to <time>', 'end (default: now)')
    .option('--by <group>', 'group by model, key, session, run, owner or day (default model)')
    .option('--owner <owner>', "only this owner's usage (default: every owner)")
    .option('--key <keyId>', "only this API key's usage")
    .option('--session <id>', "only this session's usage")
    .option('--run <runId>', "only this run's usage")
    .action(act(async () => (await import('./commands/usage.js')).usageCommand))

  program
    .command('migrate')
    .description('create or upgrade the storage schema, then exit')
    .action(act(async () => (await import('./commands/migrate.js')).migrateCommand))

  try {
    await program.parseAsync([...argv], { from: 'user' })
    return exitCode
  } catch (error) {
    if (error instanceof CommanderError) {
      // Help and version end with a CommanderError of exit code 0; usage errors are already printed.
      return error.exitCode === 0 ? EXIT.ok : EXIT.usage
    }
    if (process.signal.aborted) return EXIT.interrupted
    const name = error instanceof Error ? error.name : 'Error'
    const message = error instanceof Error ? error.message : String(error)
    const code = exitCodeOf(error)
    // With --json a script reads stdout: it gets the error as JSON too, with the exit code.
    if (context?.output.json === true)
      stdout.write(`${JSON.stringify({ error: { name, message, exitCode: code } })}\n`)
    stderr.write(`${name}: ${message}\n`)
    return code
  } finally {
    await context?.close()
  }
}

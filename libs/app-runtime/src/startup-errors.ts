/** Why a listen failed, in a person's words, with the setting that fixes it; undefined for anything unexpected. */
export function listenProblem(error: unknown, where: { port: number; host: string; portVariable: string }): string | undefined {
  const code = (error as NodeJS.ErrnoException | undefined)?.code;
  const address = `${where.host}:${where.port}`;
  if (code === 'EADDRINUSE') return `port ${where.port} is already in use (${address}): stop what holds it, or set ${where.portVariable} to a free port`;
  if (code === 'EACCES') return `not allowed to listen on ${address}: set ${where.portVariable} to a port above 1023`;
  if (code === 'EADDRNOTAVAIL') return `${where.host} is not an address of this machine: set the app's _HOST variable to one of its addresses (or 0.0.0.0)`;
  return undefined;
}

/**
 * A configuration problem found while the app starts (the environment, or a file it names):
 * `ConfigError` and `ConfigFileError` from @tokenscope/config, recognised by name so that this
 * lib needs no dependency on that one. Their messages already name the variable.
 */
export function configurationProblem(error: unknown): string | undefined {
  if (!(error instanceof Error)) return undefined;
  if (error.name === 'ConfigFileError') return error.message;
  if (error.name === 'ConfigError') return error.message.replace(/\n\s*/g, ' ');
  return undefined;
}

/**
 * Runs the app's start-up; a known configuration problem ends the process with one line on
 * stderr (`gateway: MODELS_FILE x.yaml: models.0.price: …`) and exit code 1, instead of a stack
 * trace. Anything else is a bug and propagates as usual.
 */
export async function startOrExit<T>(appName: string, start: () => Promise<T>): Promise<T> {
  try {
    return await start();
  } catch (error) {
    const problem = configurationProblem(error);
    if (problem === undefined) throw error;
    process.stderr.write(`${appName}: ${problem}\n`);
    process.exit(1);
  }
}

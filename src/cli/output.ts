/** Ends the command with one line on stderr and a non-zero exit: the CLI's way to report a bad setting. */
export function fail(message: string, code = 1): never {
  process.stderr.write(`recall: ${message}\n`);
  process.exit(code);
}

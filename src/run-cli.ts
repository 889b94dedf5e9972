/**
 * Runs a command-line tool's `main` and sets the exit code from its answer; a failure prints its
 * message alone (the tools' errors are written for the person at the terminal, not as stacks).
 */
export function runCli(main: () => Promise<number>): void {
  main().then(
    (code) => {
      process.exitCode = code;
    },
    (error: unknown) => {
      console.error(error instanceof Error ? error.message : String(error));
      process.exitCode = 1;
    },
  );
}

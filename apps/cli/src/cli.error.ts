/** A problem the operator can fix; the CLI prints its message (no stack) and exits 1. */
export class CliError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'CliError';
  }
}

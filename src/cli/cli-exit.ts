/** Thrown by a command that has printed its answer and only needs a non-zero exit code. */
export class CliExit extends Error {
  constructor(readonly code: number) {
    super(`exit ${code}`);
  }
}

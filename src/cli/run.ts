// The process entry of the `opsroom` command (bin/opsroom.js runs the compiled copy; in development:
// `node --import tsx src/cli/run.ts …`). Everything else lives in runCli so tests can run it in-process.
import { runCli } from './index.js';

// `opsroom export … | head` closes the pipe early: that is the reader's choice, not a failure.
process.stdout.on('error', (error: NodeJS.ErrnoException) => {
  if (error.code === 'EPIPE') process.exit(process.exitCode ?? 0);
  throw error;
});

process.exitCode = await runCli(process.argv);

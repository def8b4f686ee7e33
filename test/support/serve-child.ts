// `opsroom serve` from the sources, as its own process: what tests kill and restart. Configured by
// the OPSROOM_* environment the parent sets (data dir, database URL, port, log level).
import { runCli } from '../../src/cli/index.js';

process.exitCode = await runCli(['node', 'opsroom', 'serve']);

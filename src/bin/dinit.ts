// The dinit binary: argv in, exit code out. The only process.exit in dinit.
import { runCli } from '../cli/main.js';

const code = await runCli(process.argv.slice(2), process.env);
process.exit(code);

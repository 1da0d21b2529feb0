// The dinit binary, every verb: argv in, exit code out (entry.ts ends it).
import { runCli } from '../cli/main.js';
import { runEntry } from './entry.js';

await runEntry(process.argv.slice(2), (argv, io) => runCli(argv, process.env, { io }));

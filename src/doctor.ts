import { exitCodeFor, formatReport, secretsOf } from './doctor/report.js';
import { runDoctor } from './doctor/runDoctor.js';
import { readEnvFile, readEnvironment } from './environment.js';

/**
 * `npm run doctor`: checks `.env` for keys set twice, the configuration, the database, the LLM endpoint and the Discord
 * token, prints a ✓/✗ report, and exits 1 when any check failed. The checks live in src/doctor.
 */
const env = readEnvironment();
const results = await runDoctor(env, { envFile: readEnvFile() });
process.stdout.write(formatReport(results, secretsOf(env)));
process.exitCode = exitCodeFor(results);

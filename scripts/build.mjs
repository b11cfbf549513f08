// Builds the package into dist/: tsc (tsconfig.build.json), then copies the files of src/ that tsc
// does not emit (the plain-JavaScript worker entry, hand-written declarations, the TypeScript
// loader probe, the dashboard's page).
import { execFileSync } from 'node:child_process';
import { cpSync, readdirSync, rmSync, writeFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { dirname, join, relative } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';

const root = join(dirname(fileURLToPath(import.meta.url)), '..');
const dist = join(root, 'dist');
rmSync(dist, { recursive: true, force: true });
const tsc = createRequire(import.meta.url).resolve('typescript/bin/tsc');
execFileSync(process.execPath, [tsc, '-p', join(root, 'tsconfig.build.json')], { stdio: 'inherit', cwd: root });

// source-mode.mjs stays out: it is for running the sources of a checkout.
const copied = /worker-entry\.mjs$|\.d\.ts$|\.probe\.ts$/;
for (const entry of readdirSync(join(root, 'src'), { recursive: true, withFileTypes: true })) {
  if (!entry.isFile()) continue;
  const file = relative(root, join(entry.parentPath ?? entry.path, entry.name));
  // The dashboard's page (HTML, CSS, plain JavaScript) is served as it is.
  if (!copied.test(entry.name) && !/^src[\\/]dashboard[\\/]page[\\/]/.test(file)) continue;
  cpSync(join(root, file), join(dist, file));
}

// The supervisor's statechart is fixed: lay it out now (dagre is a development dependency), so that
// the package's dashboard and trace files do not need dagre at run time.
const { layoutStatechart } = await import(pathToFileURL(join(dist, 'src/dashboard/statechart.js')).href);
const { supervisorMachine } = await import(pathToFileURL(join(dist, 'src/actors/supervisor.js')).href);
const { SUPERVISOR_CHART_FILE } = await import(pathToFileURL(join(dist, 'src/dashboard/supervisor-chart.js')).href);
writeFileSync(join(dist, 'src/dashboard', SUPERVISOR_CHART_FILE), `${JSON.stringify(layoutStatechart(supervisorMachine))}\n`);

/**
 * One cold open in a fresh process, for bench/root-open.ts: imports the ROOT reader of a checkout
 * (argument 1: its `src/io/root/index.ts`), then times `openRootTree(file, tree)` and the read of
 * one column over all entries, and prints `{importMs, openMs, firstColumnMs, firstColumnCpuMs}` as JSON.
 *
 *   node --import tsx bench/root-open-child.ts <checkout>/src/io/root/index.ts <file> <tree> <branch>
 */
const [modulePath, file, tree, branch] = process.argv.slice(2) as [string, string, string, string];
const t0 = performance.now();
const { openRootTree } = (await import(modulePath)) as typeof import('../src/io/root/index.ts');
const t1 = performance.now();
const c1 = process.cpuUsage();
const events = await openRootTree(file, tree);
const t2 = performance.now();
await events.read([branch], 0, events.entries);
const t3 = performance.now();
const cpu = process.cpuUsage(c1);
await events.close();
// CPU time too: on a shared machine the wall clock also counts time the process waited for a core.
console.log(JSON.stringify({ importMs: t1 - t0, openMs: t2 - t1, firstColumnMs: t3 - t1, firstColumnCpuMs: (cpu.user + cpu.system) / 1000 }));

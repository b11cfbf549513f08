import { existsSync, mkdtempSync, readdirSync, rmSync, writeFileSync } from 'node:fs';
import { hostname, tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { runCli } from './fixtures/cli/run-cli.ts';

const dir = mkdtempSync(join(tmpdir(), 'cortado-errors-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

function file(name: string, text: string): string {
  const path = join(dir, name);
  writeFileSync(path, text);
  return path;
}

const good = file('good.json', JSON.stringify({ DY: { files: { 'nano_dy.root': 'Events' } } }));
const dimuon = 'examples/dimuon.ts';

describe('cortado --help', () => {
  const cases: Array<[string[], RegExp[]]> = [
    [['--help'], [/Usage: cortado \[options\] \[command\]/, /run \[options\] \[processor\]/, /prepare/, /plot/, /demo/, /npx cortado demo/]],
    [['run', '--help'], [/Usage: cortado run/, /--fileset <json>/, /--backend <name>/, /--workers <n>/, /--redis <url>/, /--reduce-every <n>/, /--step-size <n>/, /--max-chunks <n>/, /--continue-on <code>/, /--retries <n>/, /--resume <result\.json>/, /--plots <dir>/, /Exit codes: 0 complete/]],
    [['prepare', '--help'], [/Usage: cortado prepare/, /--fileset <json>/, /--out <file>/, /--align-clusters/]],
    [['plot', '--help'], [/Usage: cortado plot \[options\] <result\.json>/, /--out <dir>/, /--format/]],
    [['demo', '--help'], [/Usage: cortado demo/, /--events <n>/, /--files <n>/, /--out <dir>/, /--backend <name>/]],
  ];
  for (const [args, patterns] of cases) {
    it.concurrent(`\`cortado ${args.join(' ')}\` prints its usage on stdout and exits 0`, async () => {
      const { code, stdout, stderr } = await runCli(args);
      expect(stderr).toBe('');
      expect(code).toBe(0);
      for (const pattern of patterns) expect(stdout).toMatch(pattern);
    });
  }
});

describe('bad arguments and inputs', () => {
  const cases: Array<[string, string[], RegExp]> = [
    ['an unknown backend', ['run', dimuon, '--fileset', good, '--backend', 'gpu'], /argument 'gpu' is invalid\. Allowed choices are inline, threads/],
    ['a worker count that is not an integer', ['run', dimuon, '--fileset', good, '--backend', 'threads', '--workers', '2.5'], /--workers <n>' argument '2\.5' is invalid\. Expected an integer from 1 up, got `2\.5`/],
    ['a fileset file that does not exist', ['run', dimuon, '--fileset', join(dir, 'nope.json')], /Expected a fileset JSON file at .*nope\.json, got no such file/],
    ['a fileset that is not JSON', ['run', dimuon, '--fileset', file('broken.json', '{"DY": {"files": ')], /to hold JSON \(a coffea fileset or a cortado data group\), got text that does not parse/],
    ['a fileset of the wrong shape', ['run', dimuon, '--fileset', file('shape.json', '{"DY": {"files": 42}}')], /Invalid coffea fileset: `fileset\.DY`.*in .*shape\.json/],
    ['a fileset without files', ['run', dimuon, '--fileset', file('empty.json', '{}')], /Expected at least one dataset with files in .*empty\.json, got none/],
    ['a processor module that does not exist', ['run', 'nope.ts', '--fileset', good], /Expected a processor module \(\.ts or \.js\) at nope\.ts, got no such file/],
    ['an export the module does not have', ['run', dimuon, '--export', 'nope', '--fileset', good], /Expected examples\/dimuon\.ts to export `nope`, got exports .*dimuon \(processor\)/],
    ['a resume file that is not a result', ['run', '--resume', good], /Expected .*good\.json to be a result file written by `cortado run`/],
    ['an unknown option', ['run', dimuon, '--fileset', good, '--fast'], /unknown option '--fast'/],
    // Its own --out: these cases run at once, and a run that gets as far as locking the default
    // result.json would find another case's lock (CI on Node 24 saw E_CHECKPOINT_LOCKED here).
    ['--reduce-every without --backend cluster', ['run', dimuon, '--fileset', good, '--backend', 'threads', '--reduce-every', '4', '--out', join(dir, 'reduce-every.json')], /Expected --reduce-every only with --backend cluster, got it with --backend threads/],
    ['--redis-connect-timeout without --backend cluster', ['run', dimuon, '--fileset', good, '--backend', 'threads', '--redis-connect-timeout', '5', '--out', join(dir, 'connect-timeout.json')], /Expected --redis-connect-timeout only with --backend cluster, got it with --backend threads/],
    ['a --redis-connect-timeout below 0.1 s', ['run', dimuon, '--fileset', good, '--backend', 'cluster', '--redis', 'redis://127.0.0.1:1', '--redis-connect-timeout', '0.05'], /--redis-connect-timeout <seconds>' argument '0\.05' is invalid\. Expected a number of seconds from 0\.1 up, got `0\.05`/],
    ['a --lease below 0.3 s', ['run', dimuon, '--fileset', good, '--backend', 'cluster', '--redis', 'redis://127.0.0.1:1', '--lease', '0.1'], /--lease <seconds>' argument '0\.1' is invalid\. Expected a number of seconds from 0\.3 up, got `0\.1`/],
    ['a --redis-connect-timeout that is not a number', ['run', dimuon, '--fileset', good, '--backend', 'cluster', '--redis', 'redis://127.0.0.1:1', '--redis-connect-timeout', '30s'], /--redis-connect-timeout <seconds>' argument '30s' is invalid\. Expected a positive number of seconds, got `30s`/],
    // `cortado worker` takes the same flag, with the same parser.
    ['a `cortado worker --redis-connect-timeout` below 0.1 s', ['worker', '--redis', 'redis://127.0.0.1:1', '--redis-connect-timeout', '0.05'], /--redis-connect-timeout <seconds>' argument '0\.05' is invalid\. Expected a number of seconds from 0\.1 up, got `0\.05`/],
    // Node's longest timer is 2^31 - 1 ms: a longer one would fire at once.
    ['a `cortado worker --redis-connect-timeout` beyond the longest timer', ['worker', '--redis', 'redis://127.0.0.1:1', '--redis-connect-timeout', '3000000'], /--redis-connect-timeout <seconds>' argument '3000000' is invalid\. Expected a number of seconds up to 2147483, got `3000000`/],
    ['--reduce-every that is not a whole number', ['run', dimuon, '--fileset', good, '--backend', 'cluster', '--redis', 'redis://127.0.0.1:1', '--reduce-every', '0'], /--reduce-every <n>' argument '0' is invalid\. Expected an integer from 1 up, got `0`/],
  ];
  for (const [what, args, message] of cases) {
    it.concurrent(`gives one line on stderr and exit code 1 for ${what}`, async () => {
      const { code, stdout, stderr } = await runCli(args);
      expect(stderr).toMatch(/^error: [^\n]+\n$/);
      expect(stderr).toMatch(message);
      expect(stderr).not.toMatch(/\n\s+at /);
      expect(stdout).toBe('');
      expect(code).toBe(1);
    });
  }
});

describe('backend flags that do not go together', () => {
  it('are a usage error before the result file is locked: none is left behind, and a held lock does not hide the error', async () => {
    const own = mkdtempSync(join(dir, 'reduce-every-'));
    const out = join(own, 'result.json');
    const args = ['run', dimuon, '--fileset', good, '--backend', 'threads', '--reduce-every', '4', '--out', out];
    const free = await runCli(args);
    expect(free.stderr).toMatch(/^error: Expected --reduce-every only with --backend cluster, got it with --backend threads\n$/);
    expect(free.code).toBe(1);
    // Neither a result, nor its lock, nor a journal.
    expect(readdirSync(own)).toEqual([]);
    // Another live run (this test process) holds the result file: the usage error still comes first,
    // not E_CHECKPOINT_LOCKED, and the other run's lock stays as it was.
    writeFileSync(`${out}.lock`, `${process.pid}@${hostname()}`);
    const held = await runCli(args);
    expect(held.stderr).toMatch(/^error: Expected --reduce-every only with --backend cluster/);
    expect(held.stderr).not.toMatch(/in use by process/);
    expect(held.code).toBe(1);
    expect(readdirSync(own)).toEqual(['result.json.lock']);
    expect(existsSync(`${out}.journal`)).toBe(false);
  });
});

describe('a processor module that cannot be used', () => {
  // The cases above without --out all lock the default result.json in the repository while they run
  // at once: a bad module or export must be reported as such even while another run holds the lock
  // (it was E_CHECKPOINT_LOCKED whenever two of them overlapped).
  it('is a usage error before the result file is locked: a held lock does not hide it', async () => {
    const own = mkdtempSync(join(dir, 'processor-'));
    const out = join(own, 'result.json');
    writeFileSync(`${out}.lock`, `${process.pid}@${hostname()}`);
    const missing = await runCli(['run', 'nope.ts', '--fileset', good, '--out', out]);
    expect(missing.stderr).toMatch(/^error: Expected a processor module \(\.ts or \.js\) at nope\.ts, got no such file\n$/);
    expect(missing.code).toBe(1);
    const noExport = await runCli(['run', dimuon, '--export', 'nope', '--fileset', good, '--out', out]);
    expect(noExport.stderr).toMatch(/^error: Expected examples\/dimuon\.ts to export `nope`/);
    expect(noExport.code).toBe(1);
    // The other run's lock stays as it was; nothing else was written.
    expect(readdirSync(own)).toEqual(['result.json.lock']);
  });
});

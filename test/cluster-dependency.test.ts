import { spawn } from 'node:child_process';
import { existsSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import { describe, expect, it } from 'vitest';
import { ClusterDependencyError, importClusterModule } from '../src/backends/cluster/stack.ts';
import { CortadoError } from '../src/protocol/errors.ts';
import { REPO, runCli } from './fixtures/cli/run-cli.ts';
import { DATA_DIR, describeWithData } from './helpers/data.ts';

// BullMQ and ioredis are optional peer dependencies: a consumer's plain install leaves them out.
// hide-stack.mjs makes them unresolvable in a child process, as they are there (the consumer test,
// .ci/consumer-test.sh, checks the same against a real install of the packed tarball).
const HIDE = pathToFileURL(join(import.meta.dirname, 'fixtures/cluster/hide-stack.mjs')).href;
const INSTALL = 'npm install bullmq ioredis';

function notInstalled(name: string): Error {
  return Object.assign(new Error(`Cannot find package '${name}' imported from /app/node_modules/cortado/dist/src/backends/cluster/stack.js`), { code: 'ERR_MODULE_NOT_FOUND' });
}

function run(args: string[]): Promise<{ code: number | null; stdout: string; stderr: string }> {
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, args, { cwd: REPO, stdio: ['ignore', 'pipe', 'pipe'], env: { ...process.env, CI: '' } });
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (d: Buffer) => (stdout += d));
    child.stderr.on('data', (d: Buffer) => (stderr += d));
    child.on('error', reject);
    child.on('close', (code) => resolve({ code, stdout, stderr }));
  });
}

describe('the cluster backend without its optional peers', () => {
  it('names the missing packages and the install command, with code E_CLUSTER_DEPENDENCY, and loads nothing', async () => {
    let loaded = false;
    const importer = async (name: string) => {
      if (name === 'ioredis') throw notInstalled(name);
    };
    const error = await importClusterModule('cluster()', async () => (loaded = true), importer).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(ClusterDependencyError);
    expect(error).toBeInstanceOf(CortadoError);
    expect(error).toMatchObject({ code: 'E_CLUSTER_DEPENDENCY', missing: ['ioredis'] });
    expect((error as Error).message).toContain('for cluster()');
    expect((error as Error).message).toContain('got no ioredis');
    expect((error as Error).message).toContain(`\`${INSTALL}\``);
    expect((error as Error).cause).toMatchObject({ code: 'ERR_MODULE_NOT_FOUND' });
    expect(loaded).toBe(false);
  });

  it('lets a broken install (a dependency of bullmq missing) fail with its own error', async () => {
    const broken = Object.assign(new Error("Cannot find package 'msgpackr' imported from /app/node_modules/bullmq/dist/esm/index.js"), { code: 'ERR_MODULE_NOT_FOUND' });
    const importer = async (name: string) => {
      if (name === 'bullmq') throw broken;
    };
    await expect(importClusterModule('cluster()', async () => 1, importer)).rejects.toBe(broken);
  });

  it('loads the module when both are installed (as in this repository)', async () => {
    const { connect } = await importClusterModule('cluster()', () => import('../src/backends/cluster/connect.ts'));
    expect(typeof connect).toBe('function');
  });

  it('a cluster() task is cancelled by E_CLUSTER_DEPENDENCY, and the process exits on its own', async () => {
    const { code, stdout, stderr } = await run(['--import', 'tsx', '--import', HIDE, join(import.meta.dirname, 'fixtures/cluster/no-stack-driver.ts')]);
    expect(stderr).toBe('');
    expect(code).toBe(0);
    type Described = { name: string; code: string; message: string };
    const { error, cause } = JSON.parse(stdout.trim()) as { error: Described; cause: Described };
    // A fatal error cancels the task, as any other fatal error does; the cause is the coded one.
    expect(error).toMatchObject({ name: 'TaskCancelledError', code: 'E_TASK_CANCELLED' });
    expect(error.message).toContain(INSTALL);
    expect(cause).toMatchObject({ name: 'ClusterDependencyError', code: 'E_CLUSTER_DEPENDENCY' });
    expect(cause.message).toContain(INSTALL);
  });

  it('`cortado worker` fails with the error naming the install command', async () => {
    const worker = await runCli(['worker', '--redis', 'redis://127.0.0.1:1'], { env: { NODE_OPTIONS: `--import ${HIDE}` } });
    expect(worker.code).toBe(1);
    expect(worker.stderr).toMatch(/ClusterDependencyError \[E_CLUSTER_DEPENDENCY\].*for cortado worker.*`npm install bullmq ioredis`/);
  });
});

describeWithData('`cortado run --backend cluster` without the optional peers', () => {
  it('fails with the error naming the install command and writes no result', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'cortado-no-stack-'));
    try {
      const fileset = join(dir, 'fileset.json');
      writeFileSync(fileset, JSON.stringify({ DY: { files: { [join(DATA_DIR, 'nanoaod', 'nano_dy.root')]: 'Events' } } }));
      const out = join(dir, 'result.json');
      const args = ['run', 'examples/dimuon.ts', '--fileset', fileset, '--backend', 'cluster', '--redis', 'redis://127.0.0.1:1', '--out', out, '--progress', 'none', '--no-journal'];
      const run = await runCli(args, { env: { NODE_OPTIONS: `--import ${HIDE}` } });
      expect(run.code).not.toBe(0);
      expect(run.stderr).toMatch(/ClusterDependencyError \[E_CLUSTER_DEPENDENCY\].*for cluster\(\).*`npm install bullmq ioredis`/);
      expect(run.stderr).not.toMatch(/SuppressedError/);
      expect(existsSync(out)).toBe(false);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });
});

import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { REPO, runCli } from './fixtures/cli/run-cli.ts';

const pkg = JSON.parse(readFileSync(`${REPO}/package.json`, 'utf8')) as { version: string };

describe('cortado --version', () => {
  it.each([['--version'], ['-V']])('`cortado %s` prints the package version alone on stdout and exits 0', async (flag) => {
    const { code, stdout, stderr } = await runCli([flag], { tsx: true });
    expect(code).toBe(0);
    expect(stdout).toBe(`${pkg.version}\n`);
    expect(stderr).toBe('');
  });
});

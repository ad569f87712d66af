/**
 * `npm run dist`, as far as it runs without downloading Electron: the
 * electron-builder configuration validates, a Linux package is really built
 * (`electron-builder --dir` against a stand-in Electron folder holding the fuse
 * wire) and holds what the app needs and nothing else, the fuses are flipped,
 * and runtime imports are runtime dependencies.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { chmodSync, mkdirSync, readdirSync, readFileSync, statSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { ROOT } from '../../helpers/server';
import { tempDir } from '../../helpers/runbooks';

/* eslint-disable @typescript-eslint/no-require-imports -- the packaging config is a CommonJS file, loaded by path */
const config = require(path.join(ROOT, 'build', 'electron-builder.config.js')) as Record<string, unknown> & { linux: { files: string[] }; mac: { files: string[] }; win: { files: string[] } };
const pkg = JSON.parse(readFileSync(path.join(ROOT, 'package.json'), 'utf8')) as {
  homepage?: string;
  author?: { email?: string };
  dependencies: Record<string, string>;
  devDependencies: Record<string, string>;
};
const SENTINEL = 'dL7pKGdnNz796PbbjQWNKmHXBZaB9tsX';

/** A stand-in for Electron's unpacked distribution: an executable carrying Electron 41's default fuse wire. */
function fakeElectron(dir: string): void {
  mkdirSync(path.join(dir, 'resources'), { recursive: true });
  const wire = Buffer.from([1, 8, ...Buffer.from('10110001')]);
  writeFileSync(path.join(dir, 'electron'), Buffer.concat([Buffer.from('#!/bin/sh\nexit 0\n'), Buffer.from(SENTINEL), wire, Buffer.alloc(16)]));
  chmodSync(path.join(dir, 'electron'), 0o755);
  writeFileSync(path.join(dir, 'LICENSE'), '');
  writeFileSync(path.join(dir, 'version'), '41.7.1');
}

test('the electron-builder configuration validates; the deb target has its homepage and maintainer', async () => {
  const { validateConfiguration } = require(path.join(ROOT, 'node_modules', 'app-builder-lib', 'out', 'util', 'config', 'config.js')) as {
    validateConfiguration: (c: unknown, log: unknown) => Promise<void>;
  };
  const { DebugLogger } = require(path.join(ROOT, 'node_modules', 'builder-util')) as { DebugLogger: new (enabled: boolean) => unknown };
  await validateConfiguration(config, new DebugLogger(false));
  assert.match(pkg.homepage ?? '', /^https:\/\//);
  assert.match(pkg.author?.email ?? '', /@/);
  assert.equal(config.npmRebuild, false, 'node_modules keeps the Node build; Electron gets build/native/');
  for (const [os, other] of [['linux', /win32|darwin/], ['mac', /win32/], ['win', /darwin/]] as const) {
    const files = config[os] as { files: string[] };
    assert.ok(files.files.includes('dist/main/**'), `${os} packs the app (a platform list replaces the top-level one)`);
    assert.ok(files.files.some((f) => f.startsWith('!**/node_modules/node-pty/prebuilds/') && other.test(f)), `${os} leaves out other platforms' node-pty binaries`);
  }
});

test('what main/ imports at runtime is a dependency; build tools and renderer-only libraries are not', () => {
  const imports = new Set<string>();
  const walk = (dir: string) => {
    for (const name of readdirSync(dir)) {
      const p = path.join(dir, name);
      if (statSync(p).isDirectory()) walk(p);
      else if (name.endsWith('.ts')) {
        const src = readFileSync(p, 'utf8');
        for (const m of src.matchAll(/^import (?!type )[^;]*?from '([^.'][^']*)'|import\('([^.'][^']*)'\)|require\('([^.'][^']*)'\)/gm)) {
          const spec = m[1] ?? m[2] ?? m[3]!;
          if (spec.startsWith('node:')) continue;
          imports.add(spec.startsWith('@') ? spec.split('/').slice(0, 2).join('/') : spec.split('/')[0]!);
        }
      }
    }
  };
  walk(path.join(ROOT, 'main'));
  imports.delete('electron'); // the runtime itself
  for (const name of imports) assert.ok(pkg.dependencies[name], `main/ imports ${name}: it must be a dependency, not a devDependency`);
  assert.ok(imports.has('playwright-core'), 'the PDF export imports playwright-core at runtime');
  for (const name of ['tsx', 'react', 'react-dom', 'zustand', '@xterm/xterm', '@xterm/addon-fit', 'uplot', 'vite', 'electron-builder']) {
    assert.equal(pkg.dependencies[name], undefined, `${name} is a build-time or renderer-only library (Vite bundles the UI)`);
  }
});

test('electron-builder --dir builds a Linux app: fuses flipped, no Windows binaries, no dev libraries', { timeout: 300_000 }, async () => {
  const tmp = tempDir();
  try {
    const electronDist = path.join(tmp.dir, 'electron');
    fakeElectron(electronDist);
    const out = path.join(tmp.dir, 'release');
    // The package holds the compiled app (dist/main): build it as `npm run dist` does, so a fresh clone passes too.
    const tsc = spawnSync(process.execPath, [path.join(ROOT, 'node_modules', 'typescript', 'bin', 'tsc'), '-p', 'tsconfig.build.json'], { cwd: ROOT, encoding: 'utf8', timeout: 200_000 });
    assert.equal(tsc.status, 0, `npm run build:main failed: ${tsc.stdout}${tsc.stderr}`);
    const r = spawnSync(
      process.execPath,
      [path.join(ROOT, 'node_modules', 'electron-builder', 'cli.js'), '--config', 'build/electron-builder.config.js', '--linux', '--dir', `-c.electronDist=${electronDist}`, `-c.directories.output=${out}`],
      { cwd: ROOT, encoding: 'utf8', timeout: 280_000, env: { ...process.env, CI: 'true' } },
    );
    assert.equal(r.status, 0, r.stdout + r.stderr);
    const app = path.join(out, 'linux-unpacked');

    const { getCurrentFuseWire } = require(path.join(ROOT, 'node_modules', '@electron', 'fuses')) as { getCurrentFuseWire: (p: string) => Promise<Record<string, number>> };
    const wire = await getCurrentFuseWire(path.join(app, 'drillbook'));
    const on = 49;
    const off = 48;
    // RunAsNode, CookieEncryption, NodeOptions, NodeCliInspect, AsarIntegrity, OnlyLoadAppFromAsar, -, GrantFileProtocolExtraPrivileges
    assert.deepEqual([wire[0], wire[1], wire[2], wire[3], wire[4], wire[5], wire[7]], [off, on, off, off, on, on, off]);

    const asar = require(path.join(ROOT, 'node_modules', '@electron', 'asar')) as { listPackage: (p: string, o: object) => string[] };
    const files = asar.listPackage(path.join(app, 'resources', 'app.asar'), {}).map((f) => f.replace(/\\/g, '/'));
    const top = new Set(files.map((f) => f.split('/')[1]));
    for (const t of top) assert.ok(['bin', 'dist', 'node_modules', 'package.json', 'runbooks', 'build'].includes(t!), `${t} does not belong in the package`);
    assert.ok(!files.some((f) => /node-pty\/(prebuilds\/win32|third_party|deps\/winpty)/.test(f)), 'no node-pty Windows binaries in a Linux package');
    for (const dev of ['tsx', 'react', 'react-dom', 'zustand', '@xterm/xterm', '@xterm/addon-fit', '@xterm/addon-webgl', 'uplot', 'vite', 'typescript']) {
      assert.ok(!files.includes(`/node_modules/${dev}`), `${dev} is not packed`);
    }
    // The evidence export renders transcripts through a terminal emulator (main/terminal/transcript-text.ts).
    assert.ok(files.includes('/node_modules/@xterm/headless'), '@xterm/headless is packed for transcripts');
    assert.ok(files.includes('/node_modules/playwright-core'), 'playwright-core is packed for the PDF export');
    assert.ok(files.includes('/node_modules/better-sqlite3'));
  } finally {
    tmp.cleanup();
  }
});

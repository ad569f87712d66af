#!/usr/bin/env node
// Renders build/icon.svg into the icons electron-builder packs: icon.png
// (1024², macOS converts it to .icns), icons/<n>x<n>.png (Linux), icon.ico
// (Windows). Chromium draws the SVG (ImageMagick here has no SVG reader);
// ImageMagick scales and writes the .ico. Run after editing the SVG:
// `node build/icons.js`; the outputs are committed.
'use strict';
const path = require('node:path');
const fs = require('node:fs');
const { execFileSync } = require('node:child_process');
const { chromium } = require('playwright-core');

const dir = __dirname;
const SIZES = [16, 32, 48, 64, 128, 256, 512, 1024];

async function main() {
  const exe = process.env.DRILLBOOK_CHROMIUM || '/usr/bin/chromium';
  const browser = await chromium.launch({ executablePath: exe, args: ['--headless', '--no-sandbox', '--disable-gpu'] });
  try {
    const page = await browser.newPage({ viewport: { width: 1024, height: 1024 } });
    const svg = fs.readFileSync(path.join(dir, 'icon.svg'), 'utf8');
    await page.setContent(`<html><body style="margin:0;background:transparent">${svg}</body></html>`);
    await page.locator('svg').screenshot({ path: path.join(dir, 'icon.png'), omitBackground: true });
  } finally {
    await browser.close();
  }
  fs.mkdirSync(path.join(dir, 'icons'), { recursive: true });
  for (const n of SIZES) execFileSync('convert', [path.join(dir, 'icon.png'), '-resize', `${n}x${n}`, path.join(dir, 'icons', `${n}x${n}.png`)]);
  execFileSync('convert', [...[16, 32, 48, 64, 128, 256].map((n) => path.join(dir, 'icons', `${n}x${n}.png`)), path.join(dir, 'icon.ico')]);
  console.log('wrote build/icon.png, build/icons/*.png, build/icon.ico');
}

main().catch((err) => {
  console.error(`icons: ${err.message}`);
  process.exit(1);
});

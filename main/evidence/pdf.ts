/**
 * report.pdf: the same HTML printed by Chromium. The desktop app passes
 * Electron's webContents.printToPDF (main/desktop); the CLI and the browser
 * host use a headless Chromium through playwright-core. Either way the page
 * has JavaScript off and every network request refused: the report is
 * self-contained, and printing must not be a way to fetch anything.
 */
import { existsSync } from 'node:fs';

export type PrintToPdf = (html: string) => Promise<Buffer>;

export class PdfError extends Error {}

/**
 * "page X of Y" at the foot of every page: a printed report is handed round
 * and filed, and a loose page must say where it belongs. Chromium fills the
 * pageNumber/totalPages spans; the template has its own (tiny default) font
 * size, so it is set here. Used by the desktop app's printToPDF too.
 */
export const PDF_FOOTER_TEMPLATE =
  '<div style="width:100%;font-size:8px;color:#555;padding:0 12mm;display:flex;justify-content:space-between;font-family:sans-serif">' +
  '<span>Drillbook restore drill evidence</span><span>page <span class="pageNumber"></span> of <span class="totalPages"></span></span></div>';
export const PDF_HEADER_TEMPLATE = '<span></span>';

const CANDIDATES = [
  '/usr/bin/chromium',
  '/usr/bin/chromium-browser',
  '/usr/bin/google-chrome',
  '/usr/bin/google-chrome-stable',
  '/Applications/Google Chrome.app/Contents/MacOS/Google Chrome',
  '/Applications/Chromium.app/Contents/MacOS/Chromium',
  'C:\\Program Files\\Google\\Chrome\\Application\\chrome.exe',
  'C:\\Program Files (x86)\\Google\\Chrome\\Application\\chrome.exe',
];

/** $DRILLBOOK_CHROMIUM, else a usual install location; null when there is none. */
export function findChromium(env: NodeJS.ProcessEnv = process.env): string | null {
  if (env.DRILLBOOK_CHROMIUM) return existsSync(env.DRILLBOOK_CHROMIUM) ? env.DRILLBOOK_CHROMIUM : null;
  return CANDIDATES.find((c) => existsSync(c)) ?? null;
}

const ARGS = [
  '--headless',
  '--no-sandbox',
  '--disable-gpu',
  '--disable-background-networking',
  '--disable-component-update',
  '--disable-sync',
  '--no-first-run',
];

/** Prints HTML to PDF with a headless Chromium (one browser per call: exports are rare, and nothing lingers). */
export function chromiumPrintToPdf(executablePath?: string, timeoutMs = 60_000): PrintToPdf {
  return async (html) => {
    const exe = executablePath ?? findChromium();
    if (!exe) throw new PdfError('cannot make report.pdf: no Chromium found (install chromium or set DRILLBOOK_CHROMIUM to its path)');
    // Loaded lazily: playwright-core is large and only exports need it.
    const { chromium } = await import('playwright-core');
    let browser;
    try {
      browser = await chromium.launch({ executablePath: exe, args: ARGS, timeout: timeoutMs });
    } catch (err) {
      throw new PdfError(`cannot make report.pdf: Chromium at ${exe} did not start (${(err as Error).message.split('\n')[0]})`);
    }
    try {
      const context = await browser.newContext({ javaScriptEnabled: false, offline: true });
      await context.route('**/*', (route) => route.abort());
      const page = await context.newPage();
      await page.setContent(html, { waitUntil: 'load', timeout: timeoutMs });
      await page.emulateMedia({ media: 'print' });
      const pdf = await page.pdf({
        format: 'A4',
        printBackground: true,
        preferCSSPageSize: true,
        displayHeaderFooter: true,
        headerTemplate: PDF_HEADER_TEMPLATE,
        footerTemplate: PDF_FOOTER_TEMPLATE,
      });
      return Buffer.from(pdf);
    } finally {
      await browser.close();
    }
  };
}

/** A PDF's page count from its page tree (enough to sanity-check what a printer produced). */
export function pdfPageCount(pdf: Buffer): number {
  const text = pdf.toString('latin1');
  let max = 0;
  for (const m of text.matchAll(/\/Type\s*\/Pages\b[^>]*?\/Count\s+(\d+)/g)) max = Math.max(max, Number(m[1]));
  if (max > 0) return max;
  return (text.match(/\/Type\s*\/Page\b(?!s)/g) ?? []).length;
}

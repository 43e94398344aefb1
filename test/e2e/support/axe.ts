// The accessibility sweep: axe-core (the standard rule engine) run inside the page, in light and
// dark mode. Any view calls `expectAccessible(page, 'name')` once it is drawn; a new view (deploy,
// monitoring, …) is covered by adding one call for it.
import fs from 'node:fs';
import { createRequire } from 'node:module';
import type { Page } from 'playwright-core';

const AXE_SOURCE = fs.readFileSync(createRequire(import.meta.url).resolve('axe-core/axe.min.js'), 'utf8');

/** WCAG 2.1 A and AA, plus the best practices that cover landmarks and headings. */
const TAGS = ['wcag2a', 'wcag2aa', 'wcag21a', 'wcag21aa', 'best-practice'];
/** Rules that fail the sweep whatever axe's impact says: one `main` and an `h1` per view, table headers with text. */
const REQUIRED = ['landmark-one-main', 'landmark-no-duplicate-main', 'page-has-heading-one', 'empty-table-header'];
const FAILING_IMPACTS = ['critical', 'serious'];

export interface AxeFinding {
  id: string;
  impact: string | null;
  help: string;
  nodes: { target: string[]; summary: string }[];
}

/**
 * The violations axe-core finds in the page as it is now that fail the sweep (critical, serious,
 * or a REQUIRED rule). axe is evaluated through the DevTools protocol, so the page's own CSP
 * (script-src 'self') stays as it is.
 */
export async function axeFindings(page: Page, options: { exclude?: string[] } = {}): Promise<AxeFinding[]> {
  if (!(await page.evaluate(() => 'axe' in window))) await page.evaluate(AXE_SOURCE);
  const violations = await page.evaluate(
    async ({ tags, exclude }) => {
      const axe = (window as any).axe;
      const result = await axe.run({ include: [['html']], exclude: exclude.map((s: string) => [s]) }, { runOnly: { type: 'tag', values: tags }, resultTypes: ['violations'] });
      return result.violations.map((v: any) => ({
        id: v.id,
        impact: v.impact,
        help: v.help,
        nodes: v.nodes.slice(0, 5).map((n: any) => ({ target: n.target.map(String), summary: String(n.failureSummary ?? '').split('\n').slice(0, 3).join(' ') })),
      }));
    },
    { tags: TAGS, exclude: options.exclude ?? [] },
  );
  return (violations as AxeFinding[]).filter((v) => FAILING_IMPACTS.includes(v.impact ?? '') || REQUIRED.includes(v.id));
}

/** One line per failing rule and node, readable in a test failure. */
export function describeFindings(view: string, findings: AxeFinding[]): string[] {
  return findings.flatMap((f) => f.nodes.map((n) => `${view}: [${f.impact}] ${f.id} (${f.help}) at ${n.target.join(' ')}: ${n.summary}`));
}

/**
 * Checks the view on screen in light and in dark mode and throws, listing every failing rule and
 * element, when axe finds a critical or serious violation (or a REQUIRED rule fails) in either.
 * Leaves the page in light mode.
 */
export async function expectAccessible(page: Page, view: string, options: { exclude?: string[] } = {}): Promise<void> {
  const problems: string[] = [];
  for (const colorScheme of ['light', 'dark'] as const) {
    await page.emulateMedia({ colorScheme });
    // let transitions and the theme switch settle before colours are read
    await page.evaluate(() => new Promise((resolve) => requestAnimationFrame(() => requestAnimationFrame(resolve))));
    problems.push(...describeFindings(`${view} (${colorScheme})`, await axeFindings(page, options)));
  }
  await page.emulateMedia({ colorScheme: 'light' });
  if (problems.length) throw new Error(`accessibility violations:\n${problems.join('\n')}`);
}

import { whyNotPassed } from './case-reasons';
import { formatP, gateMessage } from './gates';
import type { CaseRecord, EvalResult } from './result-types';
import { fixed, percent, verdict } from './report-text';

const cell = (text: string) => text.replace(/\|/g, '\\|').replace(/\s+/g, ' ').slice(0, 200);

/** Text as inline code: the fence is one backtick longer than any run of backticks in it (CommonMark). */
function code(text: string): string {
  const longest = Math.max(0, ...(text.match(/`+/g) ?? []).map((run) => run.length));
  const fence = '`'.repeat(longest + 1);
  const pad = text.startsWith('`') || text.endsWith('`') ? ' ' : '';
  return `${fence}${pad}${text}${pad}${fence}`;
}

/**
 * A Markdown report (for a pull-request comment or a CI summary): the scorer
 * table, the comparison with its verdicts, the gates, then the cases that did
 * not pass with each failing scorer's reason.
 */
export async function markdownReport(head: Omit<EvalResult, 'cases'>, cases: AsyncIterable<CaseRecord> | Iterable<CaseRecord>, options: { maxCases?: number } = {}): Promise<string> {
  const out: string[] = [];
  const s = head.summary;
  out.push(`# Eval: ${head.suite} · ${head.pipeline.name}${head.pipeline.version !== undefined ? ` v${head.pipeline.version}` : ''}`, '');
  out.push(`Pipeline behaviour \`${head.pipeline.behaviorHash.slice(0, 12)}\` · dataset \`${head.dataset.hash.slice(0, 12)}\` (${head.dataset.cases} cases) · ${head.finishedAt}`, '');
  out.push(`**${s.passed} of ${s.cases} passed** (${percent(s.passRate)})${s.errors ? `, ${s.errors} error${s.errors === 1 ? '' : 's'}` : ''}.`, '');
  out.push('| scorer | mean | 95% CI | pass rate | 95% CI |', '|---|---:|---|---:|---|');
  for (const [name, x] of Object.entries(s.scorers)) {
    out.push(`| ${cell(name)} | ${fixed(x.mean)} | ${x.ci ? `${fixed(x.ci[0])} – ${fixed(x.ci[1])}` : '–'} | ${percent(x.passRate)} | ${percent(x.passCi[0])} – ${percent(x.passCi[1])} |`);
  }
  if (s.repeats) out.push('', `Repeat ${s.repeats.k}: pass@${s.repeats.k} ${fixed(s.repeats.passAtK)}, pass^${s.repeats.k} ${fixed(s.repeats.passHatK)}; flaky: ${s.repeats.flaky.join(', ') || 'none'}.`);
  const cmp = head.comparison;
  if (cmp) {
    out.push('', `## Compared with ${cell(cmp.baseline)}`, '', '| scorer | baseline | current | delta | 95% CI | p | test | verdict |', '|---|---:|---:|---:|---|---:|---|---|');
    for (const [name, x] of Object.entries(cmp.scorers)) {
      out.push(`| ${cell(name)} | ${fixed(x.baseline)} | ${fixed(x.current)} | ${x.delta === null ? '–' : (x.delta >= 0 ? '+' : '') + x.delta.toFixed(3)} | ${x.ci ? `${fixed(x.ci[0])} – ${fixed(x.ci[1])}` : '–'} | ${formatP(x.pValue)} | ${x.test} | ${verdict(x)} |`);
    }
    out.push('', `Regressed (${cmp.regressed.length}): ${cmp.regressed.map(code).join(', ') || 'none'}`);
    out.push(`Improved (${cmp.improved.length}): ${cmp.improved.map(code).join(', ') || 'none'}`);
    if (cmp.onlyInBaseline.length) out.push(`Only in baseline: ${cmp.onlyInBaseline.map(code).join(', ')}`);
    if (cmp.onlyInCurrent.length) out.push(`Only in current: ${cmp.onlyInCurrent.map(code).join(', ')}`);
    for (const w of cmp.warnings) out.push(`> ${w}`);
  }
  if (head.gates?.checks.length) {
    out.push('', `## Gates: ${head.gates.passed ? 'passed' : 'FAILED'}`, '');
    // The comparison above lists every regressed case: the regression gate counts them.
    for (const c of head.gates.checks) out.push(`- ${c.skipped ? '⏭' : c.passed ? '✅' : '❌'} \`${c.gate}\`: ${cell(gateMessage(c, head.comparison))}`);
  }
  const max = options.maxCases ?? 50;
  const failing: string[] = [];
  let more = 0;
  for await (const c of cases) {
    if (c.status === 'passed') continue;
    if (failing.length >= max) { more++; continue; }
    const why = whyNotPassed(c);
    failing.push(`| ${code(cell(c.id))}${c.repeat > 1 ? ` #${c.repeat}` : ''} | ${c.status} | ${cell(why)} |`);
  }
  if (failing.length) {
    out.push('', '## Cases that did not pass', '', '| case | status | why |', '|---|---|---|', ...failing);
    if (more) out.push('', `…and ${more} more.`);
  }
  return out.join('\n') + '\n';
}

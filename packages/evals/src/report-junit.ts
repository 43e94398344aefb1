import { failingScores } from './case-reasons';
import type { CaseRecord, EvalResult } from './result-types';

/** XML text: escaped, and without the control characters XML 1.0 forbids. */
function xml(text: string): string {
  return text
    .replace(/[^\t\n\r\u0020-\uD7FF\uE000-\uFFFD\u{10000}-\u{10FFFF}]/gu, '')
    .replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;').replace(/"/g, '&quot;').replace(/'/g, '&apos;');
}

/**
 * JUnit XML for CI test reports: one testcase per case × repeat (a failing
 * scorer is a <failure>, a failed pipeline or scorer an <error>), and the gates
 * as a second testsuite so a failed gate shows up as a failed test.
 */
export async function junitReport(head: Omit<EvalResult, 'cases'>, cases: AsyncIterable<CaseRecord> | Iterable<CaseRecord>): Promise<string> {
  const s = head.summary;
  const body: string[] = [];
  let seconds = 0;
  const classname = xml(`${head.suite}.${head.pipeline.name}`);
  for await (const c of cases) {
    const time = c.latencyMs / 1000;
    seconds += time;
    const name = xml(c.repeat > 1 ? `${c.id} #${c.repeat}` : c.id);
    const open = `    <testcase classname="${classname}" name="${name}" time="${time.toFixed(3)}"`;
    if (c.status === 'passed') { body.push(`${open}/>`); continue; }
    const failing = failingScores(c);
    const tag = c.status === 'error' ? 'error' : 'failure';
    const message = c.error ?? failing.join('; ');
    body.push(`${open}>`, `      <${tag} message="${xml(message.slice(0, 500))}" type="${c.status === 'error' ? 'error' : 'scorer'}">${xml(failing.join('\n'))}</${tag}>`, '    </testcase>');
  }
  const gates = head.gates?.checks ?? [];
  const gateFailures = gates.filter((g) => !g.passed).length;
  const props = [
    ['pipeline', head.pipeline.name],
    ['behaviorHash', head.pipeline.behaviorHash],
    ...(head.pipeline.version !== undefined ? [['version', String(head.pipeline.version)]] : []),
    ['datasetHash', head.dataset.hash],
  ].map(([k, v]) => `      <property name="${xml(k)}" value="${xml(v)}"/>`);
  const failures = s.failed - s.errors;
  const lines = [
    '<?xml version="1.0" encoding="UTF-8"?>',
    `<testsuites name="patchbay eval" tests="${s.cases + gates.length}" failures="${failures + gateFailures}" errors="${s.errors}" time="${seconds.toFixed(3)}">`,
    `  <testsuite name="${xml(head.suite)}" tests="${s.cases}" failures="${failures}" errors="${s.errors}" skipped="0" time="${seconds.toFixed(3)}" timestamp="${xml(head.startedAt)}">`,
    '    <properties>', ...props, '    </properties>',
    ...body,
    '  </testsuite>',
  ];
  if (gates.length) {
    lines.push(`  <testsuite name="${xml(`${head.suite} gates`)}" tests="${gates.length}" failures="${gateFailures}" errors="0" skipped="${gates.filter((g) => g.skipped).length}">`);
    for (const g of gates) {
      const open = `    <testcase classname="${xml(`${head.suite}.gates`)}" name="${xml(g.gate)}"`;
      if (g.skipped) lines.push(`${open}>`, `      <skipped message="${xml(g.message)}"/>`, '    </testcase>');
      else if (g.passed) lines.push(`${open}/>`);
      else lines.push(`${open}>`, `      <failure message="${xml(g.message)}" type="gate"/>`, '    </testcase>');
    }
    lines.push('  </testsuite>');
  }
  lines.push('</testsuites>');
  return lines.join('\n') + '\n';
}

import { lookup } from 'node:dns/promises';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { AlertEvaluator, alertSampleOf, type AlertPayload } from '../src/monitoring/alert-rules';
import { AlertRuleSpec } from '../src/monitoring/monitor-spec';
import { deliverAlert } from '../src/monitoring/webhook-delivery';
import { openSqliteStore } from '../src/store/index';
import { echoPipeline, flakyPipeline as flaky, startTestRunner, type TestRunner } from './support/test-runner';
import { startWebhook, type Webhook } from './support/webhook-receiver';

describe('monitors, alerts and production runs into datasets', () => {
  let runner: TestRunner;
  let hook: Webhook;
  const run = async (pipeline: string, question: string) => {
    const res = await runner.post('/api/runs?stream=true', { pipeline, inputs: { question } });
    await res.text();
    return res.headers.get('x-run-id')!;
  };
  const settle = () => runner.server.monitoring.settled();

  beforeAll(async () => {
    hook = await startWebhook(1);
    // A webhook URL can carry its own token (Slack's, Discord's): a rule may name a variable of the runner's that holds it.
    // The names a webhook test gives resolve as a DNS answer would: metadata.test to a metadata address, rebind.test to
    // the receiver when first asked and to a metadata address after; any other name as the system resolves it.
    let rebindAsked = 0;
    let rebindEnvAsked = 0;
    const webhookResolve = async (host: string) => {
      if (host === 'metadata.test') return [{ address: '169.254.169.254', family: 4 }];
      if (host === 'rebind.test') return [{ address: rebindAsked++ === 0 ? '127.0.0.1' : '169.254.169.254', family: 4 }];
      if (host === 'rebind-env.test') return [{ address: rebindEnvAsked++ === 0 ? '127.0.0.1' : '169.254.169.254', family: 4 }];
      return lookup(host, { all: true });
    };
    runner = await startTestRunner({
      webhookBackoffMs: [0, 20, 40],
      webhookResolve,
      env: {
        ALERT_HOOK: hook.url,
        NOT_A_URL: 'hooks.example.com/x',
        METADATA_HOOK: 'http://169.254.169.254/latest/meta-data/',
        NAMED_HOOK: `http://metadata.test:${new URL(hook.url).port}/hook`,
        REBOUND_HOOK: `http://rebind-env.test:${new URL(hook.url).port}/hook`,
      },
    });
    for (const doc of [echoPipeline('polite'), flaky]) expect((await runner.post('/api/pipelines', doc)).status).toBe(201);
  });
  afterAll(async () => {
    await runner.close();
    await hook.close();
  });

  it('refuses a monitor whose scorer needs an expected value, and an unknown scorer, naming the path', async () => {
    const put = (monitors: unknown) => runner.put('/api/pipelines/polite/monitors', { monitors });
    const needs = await put([{ name: 'm', scorer: { type: 'contains' } }]);
    expect(needs.status).toBe(400);
    // it names the param to give the text in (a monitor's runs have no expected value to compare with)
    expect((await needs.json()).errors[0]).toEqual({ path: '$.monitors[0].scorer.params', message: 'a "contains" scorer compares with an expected value, which production runs do not have: give it as params.value' });
    const regex = await (await put([{ name: 'm', scorer: { type: 'regex' } }])).json();
    expect(regex.errors[0].message).toBe('a "regex" scorer compares with an expected value, which production runs do not have: give the pattern as params.pattern');
    // a param the scorer does not have (a typo) is said in plain words, as an unknown body field is, not zod's
    const typo = await (await put([{ name: 'm', scorer: { type: 'regex', params: { pattern: 'x', flag: 'i' } } }])).json();
    expect(typo.detail).toBe('invalid request body: $.monitors[0].scorer.params has an unknown field "flag"');
    const wrongType = await (await put([{ name: 'm', scorer: { type: 'regex', params: { pattern: 5 } } }])).json();
    expect(wrongType.detail).toBe('invalid request body: $.monitors[0].scorer.params.pattern must be text (it is a number)');
    // A monitor scores production outputs on the runner's thread: a pattern no linear-time engine runs is refused.
    const backreference = await put([{ name: 'm', scorer: { type: 'regex', params: { pattern: '^(a|a)+\\1$' } } }]);
    expect(backreference.status).toBe(400);
    expect((await backreference.json()).errors[0]).toEqual({ path: '$.monitors[0].scorer.params.pattern', message: 'the pattern /^(a|a)+\\1$/ has a backreference (\\1), which no linear-time engine runs and which can take minutes on some texts; write it without one' });
    const unknown = await (await put([{ name: 'm', scorer: { type: 'vibes' } }])).json();
    expect(unknown.errors[0]).toMatchObject({ path: '$.monitors[0].scorer.type', message: 'unknown scorer type "vibes"' });
    expect((await fetch(`${runner.url}/api/pipelines/ghost/monitors`)).status).toBe(404);
    // The runner has no OPENAI_API_KEY: a judge on openai would fail every score it tried.
    const keyless = await put([{ name: 'judge', scorer: { type: 'llm-judge', params: { model: 'openai:gpt-4o-mini', rubric: 'polite?' } } }]);
    expect(keyless.status).toBe(422);
    const keylessProblem = await keyless.json();
    expect(keylessProblem).toMatchObject({ type: 'urn:patchbay:problem:model-unavailable', errors: [{ path: '$.monitors[0].scorer.params.model' }] });
    expect(keylessProblem.detail).toMatch(/OPENAI_API_KEY/);
    const nowhere = await (await put([{ name: 'm', scorer: { type: 'regex', params: { pattern: 'x' } }, sources: ['web'], labels: ['Production'] }])).json();
    expect(nowhere.errors.map((e: { path: string }) => e.path)).toEqual(['$.monitors[0].labels[0]', '$.monitors[0].sources[0]']);
  });

  it('refuses alert rules that could never fire: a monitor the pipeline does not have, a label that is not a label name, two rules of one name', async () => {
    const put = (rules: unknown[]) => runner.put('/api/pipelines/polite/alert-rules', { rules });
    const rule = { name: 'r', metric: 'errorRate', window: 3, op: 'above', threshold: 0.5, webhook: hook.url };
    const noMonitor = await put([rule, { ...rule, name: 'scored', metric: 'monitor:tone' }]);
    expect(noMonitor.status).toBe(422);
    const problem = await noMonitor.json();
    expect(problem.errors).toEqual([{ path: '$.rules[1].metric', message: 'pipeline "polite" has no monitor "tone" (it has none yet): add it under /monitors first' }]);
    const badLabel = await put([{ ...rule, label: 'Production' }]);
    expect(badLabel.status).toBe(400);
    expect((await badLabel.json()).errors[0]).toEqual({ path: '$.rules[0].label', message: 'a label is a slug: lowercase letters, digits and -, starting with a letter or digit.' });
    const twice = await put([rule, { ...rule, threshold: 0.9 }]);
    expect(twice.status).toBe(400);
    expect((await twice.json()).errors).toEqual([{ path: '$.rules[1].name', message: 'already used' }]);
    expect(await (await fetch(`${runner.url}/api/pipelines/polite/alert-rules`)).json()).toEqual({ rules: [] });
  });

  it('answers every monitoring route about a pipeline it does not have with one 404, not an empty 200 a typo would read as "no traffic"', async () => {
    const json = { method: 'PUT', headers: { 'content-type': 'application/json' } };
    const metrics = await fetch(`${runner.url}/api/metrics?pipeline=ghost`);
    expect(metrics.status).toBe(404);
    // The name came in the query: the problem names that field, as every 404 about a field does.
    expect(await metrics.json()).toMatchObject({ detail: 'there is no pipeline "ghost" (query.pipeline)', errors: [{ path: 'query.pipeline' }] });
    const asks: [string, RequestInit?][] = [
      ['/api/pipelines/ghost/monitors'],
      ['/api/pipelines/ghost/monitors', { ...json, body: JSON.stringify({ monitors: [] }) }],
      ['/api/pipelines/ghost/alert-rules'],
      ['/api/pipelines/ghost/alert-rules', { ...json, body: JSON.stringify({ rules: [] }) }],
      ['/api/pipelines/ghost/alerts'],
      ['/api/pipelines/ghost/monitor-scores'],
    ];
    for (const [path, init] of asks) {
      const res = await fetch(`${runner.url}${path}`, init);
      const what = `${init?.method ?? 'GET'} ${path}`;
      expect(res.status, what).toBe(404);
      expect(res.headers.get('content-type'), what).toMatch(/^application\/problem\+json/);
      expect(await res.json(), what).toMatchObject({ status: 404, detail: 'there is no pipeline "ghost"' });
    }
  });

  it('refuses a monitor-scores range that ends before it starts, naming query.from, as /api/metrics does', async () => {
    const range = 'from=2026-12-02T10:00:00Z&to=2026-12-01T10:00:00Z';
    for (const path of [`/api/pipelines/polite/monitor-scores?${range}`, `/api/metrics?pipeline=polite&${range}`]) {
      const res = await fetch(`${runner.url}${path}`);
      expect(res.status, path).toBe(400);
      expect(await res.json(), path).toMatchObject({ type: 'urn:patchbay:problem:invalid-request', errors: [{ path: 'query.from', message: 'must be before "to"' }] });
    }
  });

  it('types every 400 of a bad monitor-scores query as invalid-request, naming the query parameter', async () => {
    // A range of more points than the chart takes, and a time that is no date: problems of the request like any other 400.
    const cases = [
      ['from=2020-01-01T00:00:00Z&to=2026-12-01T00:00:00Z&step=1m', 'query.step'],
      ['from=yesterday', 'query.from'],
    ];
    for (const [query, path] of cases) {
      const res = await fetch(`${runner.url}/api/pipelines/polite/monitor-scores?${query}`);
      expect(res.status, query).toBe(400);
      expect(await res.json(), query).toMatchObject({ type: 'urn:patchbay:problem:invalid-request', errors: [{ path }] });
    }
  });

  it('reads from and to as ISO 8601 only, as /api/runs does: "5" or "Dec 3" is no date (not the year 2005 and "use a larger step")', async () => {
    for (const path of ['/api/pipelines/polite/monitor-scores?', '/api/metrics?pipeline=polite&']) {
      for (const [query, at] of [['from=5&to=2026-12-03T13:00:00Z', 'query.from'], ['from=Dec%203&to=2026-12-03T13:00:00Z', 'query.from'], ['to=1', 'query.to']]) {
        const res = await fetch(`${runner.url}${path}${query}`);
        expect(res.status, path + query).toBe(400);
        const body = await res.json();
        expect(body.errors[0], path + query).toEqual({ path: at, message: 'an ISO 8601 date or date-time, e.g. 2026-12-01 or 2026-12-01T00:00:00Z' });
        expect(body.type).toBe('urn:patchbay:problem:invalid-request');
      }
      expect((await fetch(`${runner.url}${path}from=2026-12-03&to=2026-12-03T13:00:00Z`)).status, path).toBe(200);
    }
  });

  it('refuses a day the month does not have (February 30th is no day, not March 2nd), in every route that reads times', async () => {
    for (const path of ['/api/pipelines/polite/monitor-scores?step=1d&to=2026-12-03&', '/api/metrics?pipeline=polite&step=1d&to=2026-12-03&', '/api/runs?finishedTo=2026-12-03&']) {
      const param = path.startsWith('/api/runs') ? 'finishedFrom' : 'from';
      for (const day of ['2026-02-30', '2026-02-29T10:00:00Z', '2026-04-31T00:00+02:00']) {
        const res = await fetch(`${runner.url}${path}${param}=${encodeURIComponent(day)}`);
        expect(res.status, path + day).toBe(400);
        expect((await res.json()).errors[0], path + day).toEqual({ path: `query.${param}`, message: 'an ISO 8601 date or date-time, e.g. 2026-12-01 or 2026-12-01T00:00:00Z' });
      }
      // A leap year has one.
      expect((await fetch(`${runner.url}${path}${param}=2024-02-29`)).status, path).toBe(200);
    }
  });

  it('scores sampled runs off the request path, alerts once on crossing and once on recovery, and records the deliveries', async () => {
    const put = (path: string, body: unknown) => runner.put(`/api/pipelines/polite/${path}`, body);
    expect((await put('monitors', { monitors: [{ name: 'says-please', scorer: { type: 'regex', params: { pattern: 'please' } }, sample: 1 }] })).status).toBe(200);
    const rules = { rules: [{ name: 'rude', metric: 'monitor:says-please', window: 3, op: 'below', threshold: 0.5, webhook: hook.url }] };
    expect((await put('alert-rules', rules)).status).toBe(200);
    expect(await (await fetch(`${runner.url}/api/pipelines/polite/alert-rules`)).json()).toEqual(rules);

    for (const q of ['no', 'never', 'nope']) await run('polite', q);
    await settle();
    expect(hook.received).toHaveLength(1);
    expect(hook.received[0]).toMatchObject({ rule: 'rude', pipeline: 'polite', state: 'firing', version: 1, value: 0, threshold: 0.5, window: 3 });
    expect((hook.received[0].runs as string[]).length).toBe(3);

    // Still below: no second alert.
    await run('polite', 'nah');
    await settle();
    expect(hook.received).toHaveLength(1);

    for (const q of ['please', 'please do', 'yes please']) await run('polite', q);
    await settle();
    expect(hook.received).toHaveLength(2);
    // The window [nah, please, please do] is the first back above 0.5.
    expect(hook.received[1]).toMatchObject({ rule: 'rude', state: 'recovered', value: 2 / 3 });

    const { alerts } = await (await fetch(`${runner.url}/api/pipelines/polite/alerts`)).json();
    expect(alerts.map((a: { state: string; status: string }) => [a.state, a.status])).toEqual([['recovered', 'delivered'], ['firing', 'delivered']]);
    // The webhook refused the first post: delivered on the second attempt.
    expect(alerts[1].attempts).toBe(2);

    const scores = await (await fetch(`${runner.url}/api/pipelines/polite/monitor-scores?step=1h`)).json();
    const points = scores.series[0].points.filter((p: { count: number }) => p.count > 0);
    expect(scores.series[0]).toMatchObject({ monitor: 'says-please', version: 1 });
    expect(points.reduce((n: number, p: { count: number }) => n + p.count, 0)).toBe(7);
    const low = await (await runner.api('/api/runs?pipeline=polite&monitor=says-please&maxScore=0.5')).json();
    expect(low).toHaveLength(4);
    expect((await (await runner.api('/api/runs?pipeline=polite&monitor=says-please&minScore=1')).json()).length).toBe(3);
    expect((await runner.api('/api/runs?maxScore=0.5')).status).toBe(400);
    const metrics = await (await fetch(`${runner.url}/metrics`)).text();
    expect(metrics).toMatch(/^patchbay_monitor_score\{pipeline="polite",monitor="says-please"\} 0\.428571/m);
  });

  it('takes a contains monitor with its text in params.value (as the eval scorer does) and scores runs with it', async () => {
    // It was refused with "needs an expected value": the check read the scorer type's flag and
    // missed that params.value stands in for the expected value, as docs/monitoring.md promises.
    expect((await runner.post('/api/pipelines', echoPipeline('thankful'))).status).toBe(201);
    const put = await runner.put('/api/pipelines/thankful/monitors', { monitors: [{ name: 'thanks', scorer: { type: 'contains', params: { value: 'thank', ignoreCase: true } }, sample: 1 }] });
    expect(put.status, JSON.stringify(await put.clone().json())).toBe(200);
    const thanked = await run('thankful', 'Thank you');
    await run('thankful', 'no');
    await settle();
    expect((await (await runner.api('/api/runs?pipeline=thankful&monitor=thanks&minScore=1')).json()).map((r: { id: string }) => r.id)).toEqual([thanked]);
    expect((await (await runner.api('/api/runs?pipeline=thankful&monitor=thanks&maxScore=0')).json())).toHaveLength(1);
  });

  it('refuses a monitor narrowed to eval or cli runs, which monitoring never sees, naming the path', async () => {
    // An eval's cases are scored by the eval, and `patchbay run` runs in its own process: such a
    // monitor was accepted and then scored nothing, ever.
    const res = await runner.put('/api/pipelines/polite/monitors', { monitors: [{ name: 'm', scorer: { type: 'regex', params: { pattern: 'x' } }, sources: ['serve', 'eval', 'cli'] }] });
    expect(res.status).toBe(400);
    const problem = await res.json();
    expect(problem.errors.map((e: { path: string }) => e.path)).toEqual(['$.monitors[0].sources[1]', '$.monitors[0].sources[2]']);
    expect(problem.errors[0].message).toMatch(/monitoring never sees/);
    // The API's own description offers only the sources a monitor can take.
    const doc = JSON.stringify(await (await fetch(`${runner.url}/api/openapi.json`)).json());
    const offered = [...doc.matchAll(/"sources":\{"type":"array","items":\{"type":"string","enum":(\[[^\]]*\])/g)].map((m) => JSON.parse(m[1]));
    expect(offered.length).toBeGreaterThan(0);
    for (const sources of offered) expect(sources).toEqual(['editor', 'api', 'serve', 'openai']);
  });

  it('alerts on the error rate of a window of runs', async () => {
    const rules = { rules: [{ name: 'errors', metric: 'errorRate', window: 4, op: 'above', threshold: 0.5, webhook: hook.url }] };
    expect((await runner.put('/api/pipelines/flaky/alert-rules', rules)).status).toBe(200);
    const before = hook.received.length;
    for (const q of ['ok', 'fail', 'fail', 'fail']) await run('flaky', q);
    await settle();
    expect(hook.received.slice(before)).toMatchObject([{ rule: 'errors', state: 'firing', value: 0.75 }]);
    for (const q of ['ok', 'ok', 'ok']) await run('flaky', q);
    await settle();
    expect(hook.received.slice(before).map((a) => a.state)).toEqual(['firing', 'recovered']);
    expect((await (await runner.api('/api/runs?pipeline=flaky&status=failed')).json()).length).toBe(3);
  });

  it('keeps a switched-off monitor and rule in the list but scores and alerts nothing with them', async () => {
    expect((await runner.post('/api/pipelines', echoPipeline('paused'))).status).toBe(201);
    const put = (path: string, body: unknown) => runner.put(`/api/pipelines/paused/${path}`, body);
    const monitors = { monitors: [{ name: 'off', scorer: { type: 'regex', params: { pattern: 'x' } }, sample: 1, enabled: false }] };
    const rules = { rules: [{ name: 'quiet', metric: 'errorRate', window: 1, op: 'below', threshold: 2, webhook: hook.url, enabled: false }] };
    expect((await put('monitors', monitors)).status).toBe(200);
    expect((await put('alert-rules', rules)).status).toBe(200);
    expect(await (await fetch(`${runner.url}/api/pipelines/paused/monitors`)).json()).toMatchObject(monitors);
    const before = hook.received.length;
    await run('paused', 'anything');
    await settle();
    expect(hook.received.length).toBe(before);
    const scores = await (await fetch(`${runner.url}/api/pipelines/paused/monitor-scores`)).json();
    expect(scores.series).toEqual([]);
    // switched back on, the same rule fires at the next run
    expect((await put('alert-rules', { rules: [{ ...rules.rules[0], enabled: true }] })).status).toBe(200);
    await run('paused', 'again');
    await settle();
    expect(hook.received.slice(before)).toMatchObject([{ rule: 'quiet', pipeline: 'paused', state: 'firing' }]);
  });

  it('takes a webhook from an environment variable of the runner (${NAME}), stores and shows only its name, and refuses a URL with a password', async () => {
    const put = (rules: unknown[]) => runner.put('/api/pipelines/flaky/alert-rules', { rules });
    const rule = { name: 'from-env', metric: 'errorRate', window: 1, op: 'above', threshold: 0.5, webhook: '${ALERT_HOOK}' };
    const unset = await put([{ ...rule, webhook: '${NO_SUCH_HOOK}' }]);
    expect(unset.status).toBe(422);
    expect(await unset.json()).toMatchObject({ type: expect.stringMatching(/webhook-unset$/), errors: [{ path: '$.rules[0].webhook', message: "the runner's environment has no variable NO_SUCH_HOOK: set it to the webhook's URL where patchbay serve starts (then restart it), or give the URL itself" }] });
    const notUrl = await put([{ ...rule, webhook: '${NOT_A_URL}' }]);
    expect(notUrl.status).toBe(422);
    expect((await notUrl.json()).errors).toEqual([{ path: '$.rules[0].webhook', message: 'the variable NOT_A_URL does not hold an http(s) URL' }]);
    const password = await put([{ ...rule, webhook: 'https://alerts:s3cret@hooks.example.com/x' }]);
    expect(password.status).toBe(400);
    const refused = await password.json();
    expect(refused.errors[0]).toMatchObject({ path: '$.rules[0].webhook', message: expect.stringContaining('${NAME}') });
    expect(JSON.stringify(refused)).not.toContain('s3cret');

    expect((await put([rule])).status).toBe(200);
    const before = hook.received.length;
    await run('flaky', 'fail');
    await settle();
    expect(hook.received.slice(before)).toMatchObject([{ rule: 'from-env', state: 'firing' }]);
    const { alerts } = await (await fetch(`${runner.url}/api/pipelines/flaky/alerts`)).json();
    const delivered = alerts.filter((a: { rule: string }) => a.rule === 'from-env');
    expect(delivered).toMatchObject([{ webhook: '${ALERT_HOOK}', status: 'delivered' }]);
    const shown = [await (await put([rule])).text(), await (await fetch(`${runner.url}/api/pipelines/flaky/alert-rules`)).text(), JSON.stringify(delivered)];
    for (const text of shown) {
      expect(text).toContain('${ALERT_HOOK}');
      expect(text).not.toContain(hook.url);
    }
    expect((await put([])).status).toBe(200);
  });

  it('records why a delivery failed in words (the connection refused), not as "fetch failed"', async () => {
    const put = (rules: unknown[]) => runner.put('/api/pipelines/flaky/alert-rules', { rules });
    const closed = await startWebhook();
    await closed.close(); // nothing listens on its port now
    expect((await put([{ name: 'nowhere', metric: 'errorRate', window: 1, op: 'above', threshold: 0.5, webhook: closed.url }])).status).toBe(200);
    await run('flaky', 'fail');
    await settle();
    const { alerts } = await (await fetch(`${runner.url}/api/pipelines/flaky/alerts`)).json();
    const failed = alerts.find((a: { rule: string }) => a.rule === 'nowhere');
    expect(failed).toMatchObject({ status: 'failed', attempts: 3 });
    expect(failed.lastError).toMatch(/^connect ECONNREFUSED 127\.0\.0\.1:\d+$/);
    expect((await put([])).status).toBe(200);
  });

  it('never posts an alert to a cloud metadata address: refused when saved as one, failed unsent when the host resolves to one; loopback and private addresses stay allowed', async () => {
    const put = (rules: unknown[]) => runner.put('/api/pipelines/flaky/alert-rules', { rules });
    const rule = (name: string, webhook: string) => ({ name, metric: 'errorRate', window: 1, op: 'above', threshold: 0.5, webhook });
    const written = await put([
      rule('local', 'http://127.0.0.1:9/hook'),
      rule('aws', 'http://169.254.169.254/latest/meta-data/'),
      rule('aws-v6', 'http://[fd00:ec2::254]/latest'),
      rule('mapped', 'http://[::ffff:169.254.169.254]/x'),
      rule('decimal', 'http://2852039166/x'),
      rule('alibaba', 'https://100.100.100.200/x'),
    ]);
    expect(written.status).toBe(400);
    const never = 'a cloud metadata address: alerts are never posted there';
    expect((await written.json()).errors).toEqual([
      { path: '$.rules[1].webhook', message: `169.254.169.254 is ${never}` },
      { path: '$.rules[2].webhook', message: `fd00:ec2::254 is ${never}` },
      { path: '$.rules[3].webhook', message: `::ffff:a9fe:a9fe is ${never}` },
      { path: '$.rules[4].webhook', message: `169.254.169.254 is ${never}` },
      { path: '$.rules[5].webhook', message: `100.100.100.200 is ${never}` },
    ]);
    // A variable that holds such a URL is refused alike when it is set as the rules are saved, naming the variable, never its value.
    const inEnv = await put([rule('local', 'http://127.0.0.1:9/hook'), rule('in-env', '${METADATA_HOOK}')]);
    expect(inEnv.status).toBe(400);
    const inEnvProblem = await inEnv.json();
    expect(inEnvProblem.type).toBe((await (await put([rule('aws', 'http://169.254.169.254/latest/meta-data/')])).json()).type);
    expect(inEnvProblem.errors).toEqual([{ path: '$.rules[1].webhook', message: `the variable METADATA_HOOK holds a URL at ${never}` }]);
    expect(JSON.stringify(inEnvProblem)).not.toMatch(/169\.254|meta-data/);
    expect(await (await runner.api('/api/pipelines/flaky/alert-rules')).json()).toEqual({ rules: [] });
    // People run receivers on their own machine or network; another link-local address is no metadata service.
    expect((await put([rule('local', 'http://127.0.0.1:9/hook'), rule('lan', 'http://10.0.0.5/hook'), rule('link', 'http://169.254.1.1/hook')])).status).toBe(200);

    const port = new URL(hook.url).port;
    expect(
      (await put([rule('by-name', `http://metadata.test:${port}/hook`), rule('rebound', `http://rebind.test:${port}/hook`), rule('named', '${NAMED_HOOK}'), rule('named-rebound', '${REBOUND_HOOK}')])).status,
    ).toBe(200);
    const before = hook.received.length;
    await run('flaky', 'fail');
    await settle();
    expect(hook.received.length).toBe(before);
    const { alerts } = await (await fetch(`${runner.url}/api/pipelines/flaky/alerts`)).json();
    const of = (name: string) => alerts.find((a: { rule: string }) => a.rule === name);
    expect(of('by-name')).toMatchObject({ status: 'failed', attempts: 0, lastError: `metadata.test resolves to 169.254.169.254, ${never}` });
    // Checked again as the connection is made: a name that resolves elsewhere by then is refused there, and not retried.
    expect(of('rebound')).toMatchObject({ status: 'failed', attempts: 1, lastError: `rebind.test resolves to 169.254.169.254, ${never}` });
    // Held in a variable, the host is the variable's value: the variable is named instead, before the first attempt or at the connection.
    expect(of('named')).toMatchObject({ status: 'failed', attempts: 0, lastError: `the variable NAMED_HOOK holds a URL whose host resolves to ${never}`, webhook: '${NAMED_HOOK}' });
    expect(of('named-rebound')).toMatchObject({ status: 'failed', attempts: 1, lastError: `the variable REBOUND_HOOK holds a URL whose host resolves to ${never}`, webhook: '${REBOUND_HOOK}' });
    expect((await put([])).status).toBe(200);
  });

  it("deletes a pipeline's monitors and alert rules with it: a new pipeline of its name starts with none", async () => {
    const put = (path: string, body: unknown) => runner.put(`/api/pipelines/doomed/${path}`, body);
    expect((await runner.post('/api/pipelines', echoPipeline('doomed'))).status).toBe(201);
    expect((await put('monitors', { monitors: [{ name: 'm', scorer: { type: 'regex', params: { pattern: 'x' } }, sample: 1 }] })).status).toBe(200);
    expect((await put('alert-rules', { rules: [{ name: 'any', metric: 'errorRate', window: 1, op: 'below', threshold: 2, webhook: hook.url }] })).status).toBe(200);
    expect((await fetch(`${runner.url}/api/pipelines/doomed`, { method: 'DELETE' })).status).toBe(204);
    expect((await runner.post('/api/pipelines', echoPipeline('doomed'))).status).toBe(201);
    expect(await (await runner.api('/api/pipelines/doomed/monitors')).json()).toEqual({ monitors: [] });
    expect(await (await runner.api('/api/pipelines/doomed/alert-rules')).json()).toEqual({ rules: [] });
    const before = hook.received.length;
    await run('doomed', 'anything');
    await settle();
    expect(hook.received.length).toBe(before);
    expect((await (await runner.api('/api/pipelines/doomed/monitor-scores')).json()).series).toEqual([]);
  });

  it('turns selected runs into dataset cases (idempotently) that an eval can run on', async () => {
    const ids = [await run('polite', 'How do I reset it?'), await run('polite', 'Where is my order?')];
    const add = () => runner.post('/api/datasets/from-prod/cases', { fromRuns: ids, expected: 'output' });
    const first = await add();
    expect(first.status).toBe(201);
    expect(await first.json()).toMatchObject({ name: 'from-prod', caseCount: 2, added: 2 });
    const again = await add();
    expect(again.status).toBe(200);
    expect(await again.json()).toMatchObject({ caseCount: 2, added: 0 });
    const dataset = await (await runner.api('/api/datasets/from-prod')).json();
    expect(dataset.cases[0]).toMatchObject({ id: `run-${ids[0]}`, input: { question: 'How do I reset it?' }, expected: 'How do I reset it?' });

    const missing = await runner.post('/api/datasets/from-prod/cases', { fromRuns: ['nope'] });
    expect(missing.status).toBe(404);
    expect((await missing.json()).errors[0].path).toBe('$.fromRuns[0]');

    const started = await (await runner.post('/api/evals', { pipeline: 'polite', dataset: 'from-prod', suite: { scorers: [{ name: 'same', type: 'exact' }] } })).json();
    let result: { status: string; summary?: unknown };
    const deadline = Date.now() + 20_000;
    do {
      result = await (await runner.api(`/api/evals/${started.id}`)).json();
      await new Promise((r) => setTimeout(r, 50));
    } while (result.status === 'running' && Date.now() < deadline);
    expect(result.status).toBe('succeeded');
    expect(JSON.stringify(result)).toMatch(/"passRate":1/);
  });

  it('refuses runs of several pipelines in one dataset (400 naming them) unless allowMixedPipelines; with expected "output" skips runs that did not succeed, counting them', async () => {
    const polite = await run('polite', 'Can I pay by card?');
    const fine = await run('flaky', 'fine');
    const failed = await run('flaky', 'fail');
    const mixed = await runner.post('/api/datasets/mixed/cases', { fromRuns: [polite, fine] });
    expect(mixed.status).toBe(400);
    expect(await mixed.json()).toMatchObject({
      type: 'urn:patchbay:problem:mixed-pipelines',
      pipelines: ['polite', 'flaky'],
      detail: 'the runs are of 2 pipelines ("polite", "flaky"), and a dataset\'s cases are the inputs of one: add each pipeline\'s runs to a dataset of its own, or send "allowMixedPipelines": true ($.fromRuns[1])',
      errors: [{ path: '$.fromRuns[1]', message: 'a run of "flaky", not "polite"' }],
    });
    expect((await runner.api('/api/datasets/mixed')).status).toBe(404);
    // A dataset made of one pipeline's runs (the test above: polite's) refuses another's.
    const intoOther = await runner.post('/api/datasets/from-prod/cases', { fromRuns: [fine] });
    expect(intoOther.status).toBe(400);
    expect(await intoOther.json()).toMatchObject({
      type: 'urn:patchbay:problem:mixed-pipelines',
      datasetPipeline: 'polite',
      pipelines: ['polite', 'flaky'],
      detail: 'dataset "from-prod" holds runs of "polite", and a dataset\'s cases are the inputs of one pipeline: add these runs to another dataset, or send "allowMixedPipelines": true ($.fromRuns[0])',
      errors: [{ path: '$.fromRuns[0]', message: 'a run of "flaky", not "polite"' }],
    });
    const allowed = await runner.post('/api/datasets/mixed/cases', { fromRuns: [polite, fine], allowMixedPipelines: true });
    expect(allowed.status).toBe(201);
    expect(await allowed.json()).toMatchObject({ caseCount: 2, added: 2, skipped: 0, skippedRuns: [] });

    // A failed run has no output to draft an expected value from: with expected "output" it is skipped and counted.
    const withFailed = await runner.post('/api/datasets/flaky-cases/cases', { fromRuns: [fine, failed], expected: 'output' });
    expect(withFailed.status).toBe(201);
    expect(await withFailed.json()).toMatchObject({ caseCount: 1, added: 1, skipped: 1, skippedRuns: [failed] });
    expect((await (await runner.api('/api/datasets/flaky-cases')).json()).cases.map((c: { id: string }) => c.id)).toEqual([`run-${fine}`]);
    const again = await runner.post('/api/datasets/flaky-cases/cases', { fromRuns: [failed], expected: 'output' });
    expect(again.status).toBe(200);
    expect(await again.json()).toMatchObject({ caseCount: 1, added: 0, skipped: 1, skippedRuns: [failed] });
    const onlyFailed = await runner.post('/api/datasets/only-failed/cases', { fromRuns: [failed], expected: 'output' });
    expect(onlyFailed.status).toBe(400);
    expect(await onlyFailed.json()).toMatchObject({
      detail: 'none of the runs succeeded (1 failed), so none has an output to draft an expected value from: send "expected": "none" to add their inputs as cases ($.fromRuns[0])',
      errors: [{ path: '$.fromRuns[0]', message: 'the run failed' }],
    });
    // Without an expected value a failed run's inputs are a case, as production's failures are what a dataset is made of to fix them.
    const inputsOnly = await runner.post('/api/datasets/flaky-cases/cases', { fromRuns: [failed] });
    expect(inputsOnly.status).toBe(201);
    expect(await inputsOnly.json()).toMatchObject({ caseCount: 2, added: 1, skipped: 0, skippedRuns: [] });
    expect((await runner.api('/api/datasets/only-failed')).status).toBe(404);
  });
});

describe('retention.runsDays', () => {
  it('prunes raw runs and the alerts sent before them past the retention, while the rollups keep counting the runs', async () => {
    const fs = await import('node:fs');
    const os = await import('node:os');
    const path = await import('node:path');
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'patchbay-retention-'));
    // 0.00001 days is under a second.
    fs.writeFileSync(path.join(dir, 'patchbay.config.json'), JSON.stringify({ retention: { runsDays: 0.00001 } }));
    const runner = await startTestRunner({ dataDir: dir });
    try {
      expect((await runner.post('/api/pipelines', echoPipeline('kept'))).status).toBe(201);
      const res = await runner.post('/api/runs?stream=true', { pipeline: 'kept', inputs: { question: 'old' } });
      await res.text();
      const id = res.headers.get('x-run-id')!;
      expect((await runner.api(`/api/runs/${id}`)).status).toBe(200);
      // An alert on that run, delivered: it names the run, and would outlive it for good.
      const hook = await startWebhook();
      const rules = { rules: [{ name: 'any', metric: 'errorRate', window: 1, op: 'below', threshold: 2, webhook: hook.url }] };
      expect((await runner.put('/api/pipelines/kept/alert-rules', rules)).status).toBe(200);
      const again = await runner.post('/api/runs?stream=true', { pipeline: 'kept', inputs: { question: 'old too' } });
      await again.text();
      await runner.server.monitoring.settled();
      await hook.close();
      expect((await (await runner.api('/api/pipelines/kept/alerts')).json()).alerts).toMatchObject([{ rule: 'any', status: 'delivered' }]);
      await new Promise((r) => setTimeout(r, 1_100));
      expect(await runner.server.monitoring.prune()).toEqual({ runs: 2, alerts: 1 });
      expect((await runner.api(`/api/runs/${id}`)).status).toBe(404);
      expect((await (await runner.api('/api/pipelines/kept/alerts')).json()).alerts).toEqual([]);
      const metrics = await (await runner.api('/api/metrics?pipeline=kept&step=1h')).json();
      expect(metrics.series[0].points.reduce((n: number, p: { runs: number }) => n + p.runs, 0)).toBe(2);
    } finally {
      await runner.close();
    }
  });
});

describe('alert rules over a duration window', () => {
  const rule = { name: 'busy', metric: 'errorRate', window: '1h', op: 'above', threshold: 0.4, webhook: 'http://127.0.0.1:9/hook' } as const;
  const finished = (i: number, status: 'succeeded' | 'failed') =>
    alertSampleOf({ id: `r${i}`, pipeline: 'busy', version: 1, label: null, source: 'serve', status, startedAt: 0, durationMs: 5, error: null, nodes: {}, inputs: {}, outputs: null, document: null })!;

  it('keeps at most the latest 10,000 runs of a long window (a busy pipeline would grow it, and the work per run, without bound)', () => {
    const fired: AlertPayload[] = [];
    const alerts = new AlertEvaluator((_rule, payload) => fired.push(payload));
    alerts.set('busy', [rule]);
    for (let i = 0; i < 10_000; i++) alerts.observeRun(finished(i, 'failed'));
    for (let i = 10_000; i < 20_000; i++) alerts.observeRun(finished(i, 'succeeded'));
    // All within the hour: over every run the error rate stays 0.5 (firing); over the latest 10,000 it falls
    // as the failures leave the window, and the rule recovers once it is back to 0.4.
    expect(fired.map((p) => p.state)).toEqual(['firing', 'recovered']);
    expect(fired[1].value).toBeCloseTo(0.4, 3);
  }, 60_000); // 20,000 runs through a window of 10,000

  it('counts a run that reaches it late (kept by a server while Redis was away) by its own time, not by when it arrived', () => {
    const fired: AlertPayload[] = [];
    const alerts = new AlertEvaluator((_rule, payload) => fired.push(payload));
    alerts.set('busy', [rule]);
    const now = Date.now();
    const at = (i: number, status: 'succeeded' | 'failed', when: number) => ({ ...finished(i, status), at: when });
    alerts.observeRun(at(1, 'succeeded', now));
    // Failures another server kept through an outage two hours ago: not in the hour before the newest run.
    alerts.observeRun(at(2, 'failed', now - 7_200_000));
    alerts.observeRun(at(3, 'failed', now - 7_199_000));
    expect(fired).toEqual([]);
    // One ten minutes ago: in the hour, beside the newest run (1 of 2 failed).
    alerts.observeRun(at(4, 'failed', now - 600_000));
    expect(fired).toMatchObject([{ state: 'firing', value: 0.5, runs: ['r4', 'r1'] }]);
    // An hour after the late failure: it has left the window.
    alerts.observeRun(at(5, 'succeeded', now - 600_000 + 3_600_000));
    expect(fired.map((p) => [p.state, p.value])).toEqual([['firing', 0.5], ['recovered', 0]]);
  });

  it('counts a run read twice once (scaled out, a sample published again after its reply was lost with the connection to Redis)', () => {
    const fired: AlertPayload[] = [];
    const alerts = new AlertEvaluator((_rule, payload) => fired.push(payload));
    alerts.set('busy', [{ ...rule, window: 2, threshold: 0.5 }]);
    alerts.observeRun(finished(1, 'failed'));
    alerts.observeRun(finished(1, 'failed'));
    alerts.observeRun(finished(2, 'succeeded'));
    // r1 and r2: half failed, which is not above 0.5.
    expect(fired).toEqual([]);
    alerts.observeRun(finished(3, 'failed'));
    expect(fired).toEqual([]);
    alerts.observeRun(finished(4, 'failed'));
    expect(fired).toMatchObject([{ state: 'firing', value: 1, runs: ['r3', 'r4'] }]);
  });

  it('refuses a window of no time at all, naming it', () => {
    const parsed = AlertRuleSpec.safeParse({ ...rule, window: '0s' });
    expect(parsed.success).toBe(false);
    expect(parsed.error?.issues.map((i) => i.path.join('.'))).toEqual(['window']);
  });
});

describe('alert deliveries to a receiver that hangs', () => {
  const rule = (webhook: string) => ({ rules: [{ name: 'flap', metric: 'errorRate', window: 1, op: 'above', threshold: 0.5, webhook }] });
  const start = async (hook: Webhook, dataDir?: string) => {
    const runner = await startTestRunner({ webhookBackoffMs: [0, 20, 40], ...(dataDir ? { dataDir } : {}) });
    if (!dataDir) expect((await runner.post('/api/pipelines', flaky)).status).toBe(201);
    const put = await runner.put('/api/pipelines/flaky/alert-rules', rule(hook.url));
    expect(put.status).toBe(200);
    return runner;
  };
  const run = async (runner: TestRunner, question: string) => (await runner.post('/api/runs?stream=true', { pipeline: 'flaky', inputs: { question } })).text();
  // Only a wait (for a post to reach the receiver, which takes milliseconds but for a loaded machine): what
  // the receiver got is asserted after it.
  const until = async (ok: () => boolean) => {
    const deadline = Date.now() + 15_000;
    while (!ok() && Date.now() < deadline) await new Promise((r) => setTimeout(r, 10));
  };

  it("posts a flapping rule's alerts one at a time, only the latest state waiting, not one connection per crossing", async () => {
    const hook = await startWebhook(0, { hold: true });
    const runner = await start(hook);
    try {
      // Each run crosses: firing, recovered, firing, … and the receiver answers none of it yet.
      for (let i = 0; i < 10; i++) await run(runner, i % 2 === 0 ? 'fail' : 'ok');
      await until(() => hook.held >= 1);
      await new Promise((r) => setTimeout(r, 200)); // the runs are observed on the tick after they end
      expect(hook.maxHeld).toBe(1);
      hook.release();
      await runner.server.monitoring.settled();
      // The first firing, then the latest state (recovered): the crossings in between were never posted.
      expect(hook.received.map((a) => a.state)).toEqual(['firing', 'recovered']);
      const { alerts } = await (await runner.api('/api/pipelines/flaky/alerts')).json();
      expect(alerts.map((a: { state: string; status: string }) => `${a.state} ${a.status}`)).toEqual(['recovered delivered', 'firing delivered']);
      // Back in the state last posted by the time the receiver answers: nothing more to say.
      hook.received.length = 0;
      hook.hold();
      for (const q of ['fail', 'ok', 'fail']) await run(runner, q);
      await until(() => hook.held === 1);
      await new Promise((r) => setTimeout(r, 200));
      hook.release();
      await runner.server.monitoring.settled();
      expect(hook.received.map((a) => a.state)).toEqual(['firing']);
    } finally {
      await runner.close();
      await hook.close();
    }
  });

  it('records a delivery the runner stopped in the middle of as failed, not pending for good', async () => {
    const hook = await startWebhook(0, { hold: true });
    const runner = await start(hook);
    try {
      await run(runner, 'fail');
      await until(() => hook.held === 1);
      expect(hook.held).toBe(1);
      await runner.server.close();
      const again = await startTestRunner({ dataDir: runner.dataDir });
      try {
        const { alerts } = await (await again.api('/api/pipelines/flaky/alerts')).json();
        expect(alerts).toMatchObject([{ rule: 'flap', state: 'firing', status: 'failed', lastError: 'the runner stopped before the alert was delivered' }]);
      } finally {
        await again.close();
      }
    } finally {
      await hook.close();
    }
  });
});

// Set after the rules were saved (or on another runner of a shared store): refused as the alert is posted, named the same way.
it('an alert whose ${NAME} webhook holds a metadata address when it is posted: failed unsent, recorded and logged by the variable name only', async () => {
  const store = openSqliteStore(':memory:');
  const lines: string[] = [];
  try {
    const alert = { pipeline: 'p', rule: 'r', state: 'firing' as const, payload: {}, webhook: '${LATE_HOOK}' };
    await deliverAlert(store.monitors, alert, { env: { LATE_HOOK: 'http://169.254.169.254/latest/meta-data/' }, log: (line) => lines.push(line), backoffMs: [0] });
    const [delivery] = await store.monitors.deliveries('p', 1);
    expect(delivery).toMatchObject({ status: 'failed', attempts: 0, webhook: '${LATE_HOOK}', lastError: 'the variable LATE_HOOK holds a URL at a cloud metadata address: alerts are never posted there' });
    expect(lines).toEqual(['alert "r" of p was not delivered: the variable LATE_HOOK holds a URL at a cloud metadata address: alerts are never posted there']);
  } finally {
    await store.close();
  }
});

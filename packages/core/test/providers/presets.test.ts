import { afterEach, describe, expect, it } from 'vitest';
import { createModelService } from '../../src/node/providers/model-service';
import { createNetworkedProviders, listProviders, PROVIDER_PRESETS } from '../../src/node/providers/presets';
import { modelUnavailable } from '../../src/node/providers/model-availability';
import { startOpenAIStub, type OpenAIStub } from '../../../../test/support/openai-stub';

const KEY = 'fw-secret-key-abcdef123456';
let stub: OpenAIStub | undefined;
afterEach(async () => {
  await stub?.close();
  stub = undefined;
});

const ask = (model: string) => ({ model, messages: [{ role: 'user' as const, content: 'ping' }], temperature: 0 });

describe('provider presets', () => {
  it('has the DESIGN.md base URLs', () => {
    expect(Object.fromEntries(Object.entries(PROVIDER_PRESETS).map(([n, p]) => [n, p.baseURL]))).toEqual({
      fireworks: 'https://api.fireworks.ai/inference/v1',
      openai: 'https://api.openai.com/v1',
      ollama: 'http://localhost:11434/v1',
      vllm: 'http://localhost:8000/v1',
      together: 'https://api.together.xyz/v1',
      groq: 'https://api.groq.com/openai/v1',
      openrouter: 'https://openrouter.ai/api/v1',
    });
  });

  it('routes fireworks:MODEL to FIREWORKS_BASE_URL with FIREWORKS_API_KEY', async () => {
    stub = await startOpenAIStub();
    const models = createModelService(createNetworkedProviders({}, { FIREWORKS_BASE_URL: stub.url, FIREWORKS_API_KEY: KEY }));
    const model = 'fireworks:accounts/fireworks/models/llama-v3p1-8b-instruct';
    const result = await models.chat(ask(model));
    expect(result).toMatchObject({ text: 'ping', model });
    expect(stub.requests[0].body.model).toBe('accounts/fireworks/models/llama-v3p1-8b-instruct');
    expect(stub.requests[0].headers.authorization).toBe(`Bearer ${KEY}`);
    // A built-in price exists for this model.
    expect(result.costUsd).toBeGreaterThan(0);
  });

  it('sends max_completion_tokens to openai (its newer models refuse max_tokens) and max_tokens elsewhere', async () => {
    stub = await startOpenAIStub();
    const models = createModelService(createNetworkedProviders({}, { OPENAI_BASE_URL: stub.url, OPENAI_API_KEY: KEY, VLLM_BASE_URL: stub.url }));
    await models.chat({ ...ask('openai:gpt-4o-mini'), maxTokens: 7 });
    await models.chat({ ...ask('vllm:qwen'), maxTokens: 7 });
    expect(stub.requests.map((r) => [r.body.max_completion_tokens, r.body.max_tokens])).toEqual([
      [7, undefined],
      [undefined, 7],
    ]);
  });

  it('fails a hosted provider without its key on first use, naming the variable, without a request', async () => {
    stub = await startOpenAIStub();
    const models = createModelService(createNetworkedProviders({}, { FIREWORKS_BASE_URL: stub.url }));
    await expect(models.chat(ask('fireworks:accounts/x/models/y'))).rejects.toThrow('set FIREWORKS_API_KEY to use fireworks:accounts/x/models/y');
    expect(stub.requests).toHaveLength(0);
  });

  it('needs no key for ollama, and its cost is 0 rather than unknown', async () => {
    stub = await startOpenAIStub();
    const models = createModelService(createNetworkedProviders({}, { OLLAMA_BASE_URL: stub.url }));
    const result = await models.chat(ask('ollama:llama3.2:3b'));
    expect(stub.requests[0].body.model).toBe('llama3.2:3b');
    expect(result.costUsd).toBe(0);
  });

  it('makes any name a provider when <NAME>_BASE_URL is set; its unknown price stays null', async () => {
    stub = await startOpenAIStub();
    const models = createModelService(createNetworkedProviders({}, { MYGATEWAY_BASE_URL: stub.url }));
    const result = await models.chat(ask('mygateway:some-model'));
    expect(result.text).toBe('ping');
    expect(result.costUsd).toBeNull();
    await expect(models.chat(ask('nowhere:m'))).rejects.toThrow('unknown model provider "nowhere"');
  });

  it('reads a config provider: its URL, its apiKeyEnv and its prices', async () => {
    stub = await startOpenAIStub({ handler: () => ({ text: 'ok', usage: { prompt_tokens: 1_000_000, completion_tokens: 0 } }) });
    const config = {
      providers: { gateway: { baseURL: stub.url, apiKeyEnv: 'GATEWAY_TOKEN', timeoutMs: 5000 } },
      prices: { 'gateway:m': { input: 3, output: 4 } },
    };
    const without = createModelService(createNetworkedProviders(config, {}));
    await expect(without.chat(ask('gateway:m'))).rejects.toThrow('set GATEWAY_TOKEN to use gateway:m');
    const models = createModelService(createNetworkedProviders(config, { GATEWAY_TOKEN: KEY }));
    const result = await models.chat(ask('gateway:m'));
    expect(result.costUsd).toBe(3);
    expect(stub.requests[0].headers.authorization).toBe(`Bearer ${KEY}`);
  });

  it('lists providers for the model picker with key presence but never the key', () => {
    const env = { FIREWORKS_API_KEY: KEY, MYGATEWAY_BASE_URL: 'http://10.1.2.3:9000/v1' };
    const list = listProviders({ providers: { openai: { models: ['gpt-4o-mini'] } } }, env);
    const byName = Object.fromEntries(list.map((p) => [p.name, p]));
    expect(byName.offline).toMatchObject({ offline: true, ready: true, baseURL: null, models: ['echo', 'extractive', 'scripted', 'hash'] });
    expect(byName.fireworks).toMatchObject({ hasKey: true, ready: true, keyVariable: 'FIREWORKS_API_KEY', offline: false });
    expect(byName.openai).toMatchObject({ hasKey: false, ready: false, models: ['gpt-4o-mini'] });
    expect(byName.ollama).toMatchObject({ hasKey: false, needsKey: false, ready: true });
    expect(byName.mygateway).toMatchObject({ baseURL: 'http://10.1.2.3:9000/v1', ready: true });
    expect(JSON.stringify(list)).not.toContain(KEY);
  });

  it('says what each listed model can be called for, so pickers offer only models of the right kind', () => {
    const list = listProviders({ providers: { openai: { models: ['gpt-4o-mini', 'text-embedding-3-small'] } } }, {});
    const byName = Object.fromEntries(list.map((p) => [p.name, p]));
    expect(byName.offline.modelKinds).toEqual({ echo: ['chat'], extractive: ['chat'], scripted: ['chat', 'tool-calling'], hash: ['embedding'] });
    expect(byName.openai.modelKinds).toEqual({ 'gpt-4o-mini': ['chat', 'tool-calling'], 'text-embedding-3-small': ['embedding'] });
  });

  it('says before any call why a model cannot be called, with the reason a call would fail with', async () => {
    const config = { providers: { gw: { baseURL: 'http://127.0.0.1:9/v1', apiKeyEnv: 'GW_TOKEN' } } };
    const env = { FIREWORKS_API_KEY: KEY, LOCALLLM_BASE_URL: 'http://127.0.0.1:9/v1' };
    expect(modelUnavailable('fireworks:m', config, env)).toBeNull();
    expect(modelUnavailable('ollama:llama3.2:3b', config, env)).toBeNull();
    expect(modelUnavailable('localllm:m', config, env)).toBeNull();
    expect(modelUnavailable('offline:echo', config, env)).toBeNull();
    expect(modelUnavailable('openai:gpt-4o-mini', config, env)).toBe('set OPENAI_API_KEY to use openai:gpt-4o-mini');
    expect(modelUnavailable('gw:m', config, env)).toBe('set GW_TOKEN to use gw:m');
    expect(modelUnavailable('gw:m', config, { ...env, GW_TOKEN: 't' })).toBeNull();
    expect(modelUnavailable('acme:m', config, env)).toMatch(/^unknown model provider "acme" in "acme:m": .*set ACME_BASE_URL$/);
    expect(modelUnavailable('offline:gpt-9', config, env)).toMatch(/the offline provider has no model "gpt-9"/);
    expect(modelUnavailable('no-colon', config, env)).toMatch(/must be named "<provider>:<model>"/);
    // The reason is the one the call itself fails with.
    const service = createModelService(createNetworkedProviders(config, env));
    await expect(service.chat(ask('openai:gpt-4o-mini'))).rejects.toThrow(modelUnavailable('openai:gpt-4o-mini', config, env)!);
  });
});

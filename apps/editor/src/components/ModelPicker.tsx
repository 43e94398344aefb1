import { useState } from 'react';
import { parseModelName, type ModelKind } from '@patchbay/core';
import type { ProviderInfo } from '../lib/api';

const CUSTOM = '__custom__';

/** `provider:model` names a provider offers, as the runner lists them; with a kind, only models of that kind. */
export function modelsOf(provider: ProviderInfo, kind?: ModelKind): string[] {
  const fits = (m: string) => !kind || !provider.modelKinds?.[m] || provider.modelKinds[m].includes(kind);
  return (provider.models ?? []).filter(fits).map((m) => (m.startsWith(`${provider.name}:`) ? m : `${provider.name}:${m}`));
}

const KIND_WORDS: Record<ModelKind, string> = { chat: 'chat', embedding: 'embedding', 'tool-calling': 'tool-calling' };

/**
 * The models of the configured providers (`GET /api/providers`). Offline models
 * are marked as stand-ins: they need no key and no network but are no language
 * model. Any other `provider:model` can be typed in.
 */
export function ModelPicker({ id, value, kind, providers, disabled, onChange }: { id: string; value: string; kind?: ModelKind; providers: ProviderInfo[]; disabled?: boolean; onChange(model: string): void }) {
  // a model of another kind already in the config shows as typed-in text, not as a choice
  const known = providers.flatMap((p) => modelsOf(p, kind));
  const [custom, setCustom] = useState(() => value !== '' && !known.includes(value));
  const selected = custom ? CUSTOM : value;
  const provider = parseModelName(value)?.provider;
  return (
    <>
      <select
        id={id}
        data-testid={`field-${id}`}
        value={selected}
        disabled={disabled}
        onChange={(e) => {
          if (e.target.value === CUSTOM) return setCustom(true);
          setCustom(false);
          onChange(e.target.value);
        }}
      >
        <option value="">— choose {kind ? `a ${KIND_WORDS[kind]} model` : 'a model'} —</option>
        {providers.filter((p) => modelsOf(p, kind).length > 0).map((p) => (
          <optgroup key={p.name} label={p.offline ? `${p.name} (stand-ins, no language model)` : `${p.name}${p.hasKey ? '' : ' (no API key set)'}`}>
            {modelsOf(p, kind).map((m) => (
              <option key={m} value={m}>
                {p.offline ? `${m} — stand-in` : m}
              </option>
            ))}
          </optgroup>
        ))}
        <option value={CUSTOM}>Other (type provider:model)…</option>
      </select>
      {custom && (
        <input
          data-testid={`field-${id}-custom`}
          aria-label="Model (provider:model)"
          placeholder="fireworks:accounts/fireworks/models/llama-v3p1-8b-instruct"
          value={value}
          disabled={disabled}
          onChange={(e) => onChange(e.target.value)}
        />
      )}
      {provider === 'offline' && <p className="muted">Offline stand-in: deterministic, no network, not a language model.</p>}
      {providers.some((p) => !p.offline && !p.hasKey && p.name === provider) && <p className="error-text">{provider} has no API key set on the runner.</p>}
    </>
  );
}

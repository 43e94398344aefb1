import type { AlertPayload } from './alert-rules';
import type { AlertRuleSpec } from './monitor-spec';

interface Alert {
  rule: AlertRuleSpec;
  payload: AlertPayload;
}

interface Lane {
  /** The latest crossing since the delivery under way began, posted after it. */
  waiting: Alert | null;
  /** Resolves when the lane has nothing more to post. */
  done: Promise<void>;
}

/**
 * Posts each rule's alerts one at a time. A rule that flaps at every run over a
 * receiver that hangs would otherwise hold a connection, a recorded delivery and
 * up to four attempts per crossing, all at once. While one alert of a rule is
 * being delivered (its retries included), the rule's later crossings wait in one
 * slot, each replacing the one before; the latest is posted next, unless the
 * rule is back in the state last posted (the receiver has nothing new to hear).
 */
export class AlertOutbox {
  private readonly lanes = new Map<string, Lane>();

  /** `send` delivers one alert and records it; it never rejects. */
  constructor(private readonly send: (rule: AlertRuleSpec, payload: AlertPayload) => Promise<void>) {}

  post(rule: AlertRuleSpec, payload: AlertPayload): void {
    const key = `${payload.pipeline}\u0000${rule.name}`;
    const busy = this.lanes.get(key);
    if (busy) {
      busy.waiting = { rule, payload };
      return;
    }
    const lane: Lane = { waiting: null, done: Promise.resolve() };
    this.lanes.set(key, lane);
    lane.done = this.drain(key, lane, { rule, payload });
  }

  /** Resolves when every alert posted so far has been delivered (or given up on). */
  async idle(): Promise<void> {
    while (this.lanes.size) await Promise.all([...this.lanes.values()].map((lane) => lane.done));
  }

  private async drain(key: string, lane: Lane, first: Alert): Promise<void> {
    let alert = first;
    for (;;) {
      await this.send(alert.rule, alert.payload);
      const next = lane.waiting;
      lane.waiting = null;
      if (!next || next.payload.state === alert.payload.state) break;
      alert = next;
    }
    this.lanes.delete(key);
  }
}

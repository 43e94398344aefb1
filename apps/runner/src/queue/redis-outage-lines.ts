import type { StreamOutageLines } from './stream-publisher';

/**
 * A Redis-backed feature's own words for what it publishes. Its outage lines are one sentence shape
 * with these put in, so that every feature tells an outage alike: the worker's finished-run feed says
 * "could not hand finished runs to monitoring (…)", alert rules "alert rules could not share finished
 * runs with the other servers (…)".
 */
export interface OutageWords {
  /** Who speaks, opening each line (`alert rules`); none where the act says it. */
  who?: string;
  /** What the feature does with a finished run, in three forms: `hand`, `handing`, `handed`. */
  verb: { base: string; ing: string; past: string };
  /** Whom that reaches: `to monitoring`. */
  to: string;
  /** What becomes of the kept entries once Redis is back: `handed over`. */
  sent: string;
  /** Who keeps them, and what they are, while Redis is away: `a worker keeps`, `finished runs for monitoring`. */
  keeps: string;
  kept: string;
  /** The kept entries, counted: `run(s) finished`. */
  entries: string;
  /** Entries a stop cut short before they were given to publish, counted: `run(s) finished but still waiting for the store`. */
  waiting?: string;
  /** What a stop that left some costs: `those runs count in no alert window`. */
  lost: string;
  /** How many are kept at most (past it the oldest are dropped): the lines quote it, the StreamPublisher keeps to it. */
  maxKept: number;
}

/** The lines a StreamPublisher logs through an outage, in `words`, with the bound it keeps to. */
export function redisOutageLines(words: OutageWords): StreamOutageLines {
  const { verb, to, sent, entries } = words;
  const who = words.who ? `${words.who} ` : '';
  const most = words.maxKept.toLocaleString('en-US');
  return {
    maxKept: words.maxKept,
    failed: (reason) => `${who}could not ${verb.base} finished runs ${to} (${reason}): they are kept, at most ${most}, and ${sent} when Redis is back`,
    dropping: () => `${words.keeps} at most ${most} ${words.kept} while Redis is away: the oldest are dropped from now on`,
    recovered: (kept, dropped) =>
      `${who}${verb.past} the ${kept} ${entries} while Redis was away ${to}${dropped > 0 ? `; the oldest ${dropped} were dropped (more than ${most} waited)` : ''}`,
    stopped: (left, dropped, waiting) => {
      const what = [
        left > 0 ? `${left} ${entries} while Redis was away were not ${sent}` : '',
        waiting > 0 ? `${waiting} ${words.waiting ?? entries} were not ${sent}` : '',
        dropped > 0 ? `${dropped} older one(s) were dropped` : '',
      ];
      return `${who}stopped before ${verb.ing} every finished run ${to}: ${what.filter(Boolean).join('; ')}; ${words.lost}`;
    },
  };
}

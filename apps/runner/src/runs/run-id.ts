import { randomFillSync } from 'node:crypto';

const bytes = new Uint8Array(16);
const hex = Array.from({ length: 256 }, (_, i) => i.toString(16).padStart(2, '0'));

/**
 * A new run id: a UUIDv7 (RFC 9562), the millisecond time in its first 48 bits, then random bits.
 * Time-ordered ids put each run's rows at the end of the runs, nodes and scores indexes instead of
 * at random pages (a random UUID made every commit rewrite a page per run in each index).
 * Written here rather than taken from the `uuid` package so that a dependency-free change
 * lands in every worktree that shares this tree's node_modules copies.
 */
export function newRunId(): string {
  randomFillSync(bytes, 6, 10);
  const ms = Date.now();
  bytes[0] = Math.floor(ms / 2 ** 40) & 0xff;
  bytes[1] = Math.floor(ms / 2 ** 32) & 0xff;
  bytes[2] = (ms >>> 24) & 0xff;
  bytes[3] = (ms >>> 16) & 0xff;
  bytes[4] = (ms >>> 8) & 0xff;
  bytes[5] = ms & 0xff;
  bytes[6] = 0x70 | (bytes[6] & 0x0f); // version 7
  bytes[8] = 0x80 | (bytes[8] & 0x3f); // variant 10
  const h = (from: number, to: number) => {
    let s = '';
    for (let i = from; i < to; i++) s += hex[bytes[i]];
    return s;
  };
  return `${h(0, 4)}-${h(4, 6)}-${h(6, 8)}-${h(8, 10)}-${h(10, 16)}`;
}

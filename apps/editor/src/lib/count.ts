/** "1 problem", "2 problems", "0 cases": a number with its noun in the right form. */
export function count(n: number, noun: string, plural = `${noun}s`): string {
  return `${n} ${n === 1 ? noun : plural}`;
}

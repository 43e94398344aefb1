/**
 * Ids may be written as JSON numbers (a dataset's case ids, an index file's document ids) and are kept as text. A
 * number JSON cannot read back as written would become another id: 1e400 reads as Infinity (the id "Infinity"),
 * 12345678901234567890 as 12345678901234567000. Whole numbers up to 2^53 and decimals are kept as they read.
 */
export function numberIdReadsExactly(id: number): boolean {
  return Number.isFinite(id) && (!Number.isInteger(id) || Number.isSafeInteger(id));
}

/** Said after the field's name: `"id" is a number too large to read exactly; …`. */
export const NUMBER_ID_TOO_LARGE = 'is a number too large to read exactly';

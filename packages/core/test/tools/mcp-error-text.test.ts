import { describe, expect, it } from 'vitest';
import { mcpErrorText } from '../../src/node/tools/mcp-error-text';

describe("an MCP tool's error text", () => {
  it('is passed on as it is when short, only carriage returns, colour codes and blank lines gone', () => {
    expect(mcpErrorText(['\x1b[31mfailed:\x1b[0m\r\n\r\n  the city is unknown  \r\n', 'try another'])).toBe('failed:\n  the city is unknown\ntry another');
  });

  it('keeps the start and the end of one long line, counting what is left out', () => {
    const text = `Error: 400 ${'{"field":"value"},'.repeat(500)} request id req_123`;
    const kept = mcpErrorText([text]);
    expect(kept.startsWith('Error: 400 {"field":"value"}')).toBe(true);
    expect(kept.endsWith('request id req_123')).toBe(true);
    expect(kept).toContain(`\n… ${text.length - 1200} characters left out …\n`);
    expect(kept.length).toBeLessThan(1300);
  });
});

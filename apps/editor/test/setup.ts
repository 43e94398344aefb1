import { afterEach } from 'vitest';

// @testing-library/react only unmounts by itself when vitest globals are on; they are not
if (typeof document !== 'undefined') {
  const { cleanup } = await import('@testing-library/react');
  afterEach(cleanup);
}

import { describe, expect, it, vi } from 'vitest';
import { render, screen } from '@testing-library/react';
import { RunFilters } from '../src/runs/RunFilters';
import { NO_FILTER } from '../src/runs/run-filter';

describe("the Runs list's filters", () => {
  it('offers only the sources a pipeline\'s runs can have: an eval case\'s run is listed with its eval, never under the pipeline', () => {
    // The runner stores each case's run with no pipeline (evals.md), so ?pipeline=NAME&source=eval lists nothing, ever.
    render(<RunFilters filter={NO_FILTER} labels={[]} monitors={[]} onChange={vi.fn()} />);
    const source = screen.getByLabelText('Source') as HTMLSelectElement;
    expect([...source.options].map((o) => o.value)).toEqual(['', 'serve', 'openai', 'api', 'editor', 'cli']);
  });
});

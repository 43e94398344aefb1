import { useEffect, useState } from 'react';
import type { Api } from '../lib/api';
import { useApi } from './ApiContext';

type ToolProblem = Awaited<ReturnType<Api['listToolProblems']>>[number];

/**
 * Why tools a user expects are not among the runner's (`GET /api/tools/problems`): an MCP server that did not
 * answer, with how it failed, or names that clash. Shown under the tool pickers, where a missing tool is
 * noticed; nothing while there are none, or when they cannot be read (the picker says the runner failed).
 */
export function ToolProblems({ id }: { id: string }) {
  const api = useApi();
  const [problems, setProblems] = useState<ToolProblem[]>([]);
  useEffect(() => {
    let live = true;
    api.listToolProblems().then(
      (found) => live && setProblems(found),
      () => live && setProblems([]),
    );
    return () => {
      live = false;
    };
  }, [api]);
  if (problems.length === 0) return null;
  return (
    <div className="muted" data-testid={`field-${id}-tool-problems`}>
      <p>Not offered:</p>
      <ul>
        {problems.map((p, i) => (
          <li key={i}>{p.message}</li>
        ))}
      </ul>
    </div>
  );
}

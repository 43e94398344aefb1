import { RunnerNamePicker, useRunnerList, type RunnerNames } from './RunnerNamePicker';
import { ToolProblems } from './ToolProblems';

interface ToolInfo {
  name: string;
  description: string;
}

/** The runner's tools (`GET /api/tools`: built-in, SQL, custom, MCP), each with its description. */
export const TOOL_NAMES: RunnerNames<ToolInfo> = {
  load: (api) => api.listTools(),
  noun: 'tool',
  plural: 'tools',
  article: 'a',
  placeholder: 'calculator',
  description: (tool) => tool.description,
};

/** A tool field: pick one of the runner's tools, or type a name (a tool configured later); why any are missing below. */
export function ToolPicker(props: { id: string; value: string; disabled?: boolean; onChange(name: string): void }) {
  return (
    <>
      <RunnerNamePicker {...props} names={TOOL_NAMES} list={useRunnerList(TOOL_NAMES)} />
      <ToolProblems id={props.id} />
    </>
  );
}

import { useStore } from 'zustand';
import type { DeployStore, RefusedRollback } from './deploy-store';
import { CallersReason, callersWords, stoppedWords } from './CallersReason';
import { MoveAnyway } from './MoveAnyway';

/**
 * A rollback the runner refused (409 `label-has-callers`): another pipeline's labelled version calls this label and
 * could not run with the version it would go back to. Says which and why, then the ways on: move the caller first
 * (elsewhere), or Move anyway, which asks once more and moves with `force` (the history records it forced).
 */
export function RollbackRefused({ store, pipeline, refused, now }: { store: DeployStore; pipeline: string; refused: RefusedRollback; now: number | null }) {
  const busy = useStore(store, (s) => s.rollingBack !== undefined);
  const { label, version, callers } = refused;
  return (
    <div className="deploy-misfit" data-testid="rollback-refused" role="alert">
      <CallersReason testId="rollback-refused-reason" action={`Moving ${label} back to v${version}`} calls={`${pipeline}@${label}, and with v${version} there`} callers={callers} />
      {!busy && (
        <MoveAnyway
          testId="rollback"
          label={label}
          move={`move ${label} back to v${version}`}
          stays={`${label} stays ${now === null ? 'unset' : `at v${now}`} unless you move ${callersWords(callers)} first or move ${label} anyway.`}
          armed={refused.armed}
          question={`Move ${label} back to v${version} though ${stoppedWords(callers)} would stop running?`}
          consequence="The history records the move as forced."
          onArm={(armed) => store.getState().armRollback(armed)}
          onMove={() => store.getState().rollback(label, version, true)}
        />
      )}
    </div>
  );
}

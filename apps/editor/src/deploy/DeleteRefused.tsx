import type { LabelCaller } from './label-callers';
import { CallersReason, callersWords, stoppedWords } from './CallersReason';
import { MoveAnyway } from './MoveAnyway';

/** A delete the runner refused (409 `label-has-callers`), and whether "Delete anyway" has had its first click. */
export interface RefusedDelete {
  name: string;
  callers: LabelCaller[];
  armed: boolean;
}

/**
 * A delete the runner refused because a labelled version of another pipeline calls this one: says which and why,
 * then the ways on: move the caller first (elsewhere), or Delete anyway, asked once more, which deletes with `force`.
 */
export function DeleteRefused({ refused, onArm, onDelete }: { refused: RefusedDelete; onArm(armed: boolean): void; onDelete(): void }) {
  const { name, callers } = refused;
  return (
    <div className="delete-refused" data-testid="delete-refused" role="alert">
      <CallersReason testId="delete-refused-reason" action={`Deleting "${name}"`} calls={name} callers={callers} />
      <MoveAnyway
        testId="delete"
        label={name}
        start="Delete anyway…"
        keep={`Keep ${name}`}
        move={`delete ${name}`}
        stays={`${name} stays unless you move ${callersWords(callers)} first or delete it anyway.`}
        armed={refused.armed}
        question={`Delete ${name} though ${stoppedWords(callers)} would stop running?`}
        consequence="Its labels are removed with it, and the history records them as removed."
        onArm={onArm}
        onMove={onDelete}
      />
    </div>
  );
}

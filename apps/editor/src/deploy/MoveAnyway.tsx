/**
 * "Move anyway…", then its deliberate second click, naming what the move goes past (`question`): how the Deploy view
 * offers every move the runner refuses but `force` makes (a refused verdict, a holder that cannot be compared, a
 * rollback that would stop a caller). `testId` prefixes the test ids, so two can be on screen at once.
 */
export function MoveAnyway({ testId, label, move, stays, armed, question, consequence, onArm, onMove, start = 'Move anyway…', keep = `Keep ${label} where it is` }: {
  testId: string;
  label: string;
  /** The first button's words (a delete: "Delete anyway…"). */
  start?: string;
  /** The button that changes one's mind. */
  keep?: string;
  /** The move in words, after "Yes, ": "move production to v2". */
  move: string;
  /** Where the label stays without the move, one sentence. */
  stays: string;
  armed: boolean;
  question: string;
  consequence: string;
  onArm(armed: boolean): void;
  onMove(): void;
}) {
  if (!armed) {
    return (
      <div className="row">
        <span data-testid={`${testId}-stays`}>{stays}</span>
        <button className="danger" data-testid={`${testId}-move-anyway`} onClick={() => onArm(true)}>
          {start}
        </button>
      </div>
    );
  }
  // The confirming button is not where the first one was: a double click cannot move the label.
  return (
    <div className="deploy-confirm" data-testid={`${testId}-confirm`}>
      <p>
        <strong>{question}</strong> {consequence}
      </p>
      <div className="row">
        <button data-testid={`${testId}-move-cancel`} onClick={() => onArm(false)}>
          {keep}
        </button>
        <button className="danger" data-testid={`${testId}-move-forced`} onClick={onMove}>
          Yes, {move} anyway
        </button>
      </div>
    </div>
  );
}

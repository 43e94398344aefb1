import { cloneElement, type ReactElement } from 'react';

interface Props {
  id: string;
  label: string;
  /** The runner's reason for this field, shown under it and tied to the control. */
  problem?: string;
  hint?: string;
  children: ReactElement<{ id?: string; 'aria-invalid'?: boolean; 'aria-describedby'?: string }>;
}

/** A labelled control of the monitor and alert-rule forms (a field of one spec in a list), with the message the runner gave for it. */
export function SpecField({ id, label, problem, hint, children }: Props) {
  const note = problem ? `${id}-problem` : hint ? `${id}-hint` : undefined;
  return (
    <div className={problem ? 'config-field invalid' : 'config-field'}>
      <label htmlFor={id}>{label}</label>
      {cloneElement(children, { id, 'aria-invalid': problem ? true : undefined, 'aria-describedby': note })}
      {problem ? (
        <span className="error-text" id={`${id}-problem`} data-testid={`problem-${id}`}>
          {problem}
        </span>
      ) : (
        hint && (
          <span className="muted small" id={`${id}-hint`}>
            {hint}
          </span>
        )
      )}
    </div>
  );
}

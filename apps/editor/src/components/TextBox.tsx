import { useLayoutEffect, useRef, type TextareaHTMLAttributes } from 'react';

type Props = Omit<TextareaHTMLAttributes<HTMLTextAreaElement>, 'value' | 'defaultValue' | 'onChange'> & {
  value: string;
  onText(text: string): void;
};

/**
 * A multi-line text box whose Ctrl/⌘+Z undoes the typing as the browser groups it. React writes
 * a controlled textarea's text into its children after every key, and Chrome then makes each
 * character its own undo step; this box is uncontrolled (no value, no defaultValue) and `value`
 * is written in only when it differs from what the box holds, i.e. when it changed from outside.
 */
export function TextBox({ value, onText, ...rest }: Props) {
  const box = useRef<HTMLTextAreaElement>(null);
  useLayoutEffect(() => {
    if (box.current && box.current.value !== value) box.current.value = value;
  }, [value]);
  return <textarea {...rest} ref={box} onChange={(e) => onText(e.target.value)} />;
}

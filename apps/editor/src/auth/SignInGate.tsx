import { Fragment, type ReactNode } from 'react';
import { useStore } from 'zustand';
import { sessionToken } from './session-token';
import { SignInForm } from './SignInForm';

/** The page, or the sign-in form while the runner refuses the editor (401); after a sign-in the page loads afresh. */
export function SignInGate({ children }: { children: ReactNode }) {
  const signInNeeded = useStore(sessionToken, (s) => s.signInNeeded);
  const session = useStore(sessionToken, (s) => s.session);
  if (signInNeeded) return <SignInForm />;
  return <Fragment key={session}>{children}</Fragment>;
}
